"""Pages of the discount rules and discount authority (CAT-06) and the commission plans (CAT-07):
permission matrix, other organisation, exact rows, filters, forms with inline errors and nothing
written, export, pinned query counts, menu."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils.translation import gettext, override

from medspa.accounts.models import RoleProfile
from medspa.catalog import policy_tables
from medspa.catalog.models import CommissionPlan, DiscountAuthority, DiscountRule
from medspa.catalog.policy_tables import discount_text
from medspa.core.menu import menu_for
from tests.catalog.policy_factories import (
    POLICY_PERMS,
    START,
    CommissionPlanFactory,
    DiscountAuthorityFactory,
    DiscountRuleFactory,
    PolicyCardTypeFactory,
    PolicyCategoryFactory,
    PolicyProductFactory,
    PolicyProjectFactory,
    PositionFactory,
    builtin_role,
    org_role,
    policy_user,
    state,
)
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

NS = "catalog_policies"
D = Decimal


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


def rows_of(response):
    return list(response.context["page"].object_list)


builtin = builtin_role


@pytest.fixture
def objects(branch):
    org = branch.organisation
    inj = PolicyCategoryFactory(organisation=org, code="INJ", name="注射美容")
    surg = PolicyCategoryFactory(organisation=org, code="SURG", name="手术整形")
    project = PolicyProjectFactory(category=surg, code="P006", name="双眼皮手术")
    p002 = PolicyProjectFactory(category=inj, code="P002", name="肉毒素除皱-额纹")
    consultant = PositionFactory(organisation=org, code="consultant", name="咨询师")
    return {
        "inj": inj,
        "project": project,
        "p002": p002,
        "product": PolicyProductFactory(category=inj, code="R001", name="医用修复面膜"),
        "consultant": consultant,
        "rule": DiscountRuleFactory(project=project, never_discount=True, min_percent=D("100")),
        "plan": CommissionPlanFactory(position=consultant, name="咨询师销售提成"),
        "role": builtin("consultant"),
    }


def pages(o):
    """(url, permissions needed, POST data or None for GET-only pages)"""
    rule, plan, role = o["rule"], o["plan"], o["role"]
    view_rule, view_auth, view_plan = (
        "catalog.view_discountrule",
        "catalog.view_discountauthority",
        "catalog.view_commissionplan",
    )
    plan_data = {
        "name": "医生操作提成",
        "kind": "operator",
        "position": o["consultant"].pk,
        "target_kind": "project",
        "project": o["project"].pk,
        "basis": "per_session",
        "fixed_amount": "200",
        "effective_from": "2026-01-01",
    }
    return [
        (url("rule_list"), [view_rule], None),
        (
            url("rule_create"),
            [view_rule, "catalog.add_discountrule"],
            {"target_kind": "category", "category": o["inj"].pk, "min_percent": "70"},
        ),
        (url("rule_detail", rule.pk), [view_rule], None),
        (
            url("rule_edit", rule.pk),
            [view_rule, "catalog.change_discountrule"],
            {"target_kind": "project", "project": o["project"].pk, "min_percent": "95"},
        ),
        (url("rule_delete", rule.pk), [view_rule, "catalog.delete_discountrule"], {}),
        (url("authority_list"), [view_auth], None),
        (
            url("authority_edit", role.pk),
            [view_auth, "catalog.change_discountauthority"],
            {"min_percent": "90"},
        ),
        (url("authority_clear", role.pk), [view_auth, "catalog.delete_discountauthority"], {}),
        (url("plan_list"), [view_plan], None),
        (url("plan_create"), [view_plan, "catalog.add_commissionplan"], plan_data),
        (url("plan_detail", plan.pk), [view_plan], None),
        (
            url("plan_edit", plan.pk),
            [view_plan, "catalog.change_commissionplan"],
            {
                "name": "改名",
                "kind": "sales",
                "position": o["consultant"].pk,
                "target_kind": "all",
                "basis": "cash",
                "rate_percent": "4",
                "effective_from": "2026-01-01",
                "is_active": "on",
            },
        ),
        (url("plan_deactivate", plan.pk), [view_plan, "catalog.delete_commissionplan"], {}),
    ]


@pytest.mark.req("CAT-06", "CAT-07")
def test_pages_permission_matrix(client, logged_in, branch, objects):
    for page, perms, data in pages(objects):
        before = state()
        response = client.get(page)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={page}"), page
        if data is not None:
            assert client.post(page, data).status_code == 302, page
        for granted in ([], perms[:-1]):
            denied = logged_in(policy_user(branch, granted))
            assert denied.get(page).status_code == 403, page
            if data is not None:
                assert denied.post(page, data).status_code == 403, page
            client.logout()
        assert state() == before, page
        allowed = logged_in(policy_user(branch, perms))
        assert allowed.get(page).status_code == 200, page
        client.logout()


@pytest.mark.req("CAT-06", "CAT-07")
def test_every_post_succeeds_with_its_permissions(client, logged_in, branch, objects):
    for page, perms, data in sorted(pages(objects), key=lambda p: "delete" in p[0] or "clear" in p[0]):
        if data is None:
            continue
        allowed = logged_in(policy_user(branch, perms))
        response = allowed.post(page, data)
        assert response.status_code == 302, (page, response.content.decode()[:3000])
        client.logout()
    assert list(DiscountRule.objects.values_list("category_id", "never_discount", "min_percent")) == [
        (objects["inj"].pk, False, D("70.00"))
    ]
    assert DiscountAuthority.objects.count() == 0  # set, then cleared
    assert list(
        CommissionPlan.objects.order_by("pk").values_list(
            "name", "kind", "basis", "rate_percent", "fixed_amount", "is_active"
        )
    ) == [
        ("改名", "sales", "cash", D("4.00"), None, False),
        ("医生操作提成", "operator", "per_session", None, D("200.00"), True),
    ]


@pytest.mark.req("CAT-06", "CAT-07")
def test_other_organisation_rows_are_not_listed_and_not_found(logged_in, branch, objects):
    other = OrganisationFactory()
    category = PolicyCategoryFactory(organisation=other)
    foreign_rule = DiscountRuleFactory(category=category)
    foreign_plan = CommissionPlanFactory(position=PositionFactory(organisation=other))
    foreign_role = org_role(other, "别家角色")
    client = logged_in(policy_user(branch))
    before = state()
    for page in (
        url("rule_detail", foreign_rule.pk),
        url("rule_edit", foreign_rule.pk),
        url("rule_delete", foreign_rule.pk),
        url("plan_detail", foreign_plan.pk),
        url("plan_edit", foreign_plan.pk),
        url("plan_deactivate", foreign_plan.pk),
        url("authority_edit", foreign_role.pk),
        url("authority_clear", foreign_role.pk),
        url("rule_detail", 999999),
    ):
        assert client.get(page).status_code == 404, page
        if (
            "edit" in page
            or "delete" in page
            or "clear" in page
            or "deactivate" in page
            or "authority" in page
        ):
            assert client.post(page, {"min_percent": "90"}).status_code == 404, page
    assert state() == before
    assert rows_of(client.get(url("rule_list"))) == [objects["rule"]]
    assert rows_of(client.get(url("plan_list"))) == [objects["plan"]]
    assert foreign_role.pk not in [
        role.pk for role in rows_of(client.get(url("authority_list") + "?per_page=100"))
    ]


@pytest.mark.req("CAT-06")
def test_rule_list_rows_filters_and_rule_text(logged_in, branch, objects):
    on_inj = DiscountRuleFactory(category=objects["inj"], min_percent=D("70"), note="注射")
    on_p002 = DiscountRuleFactory(project=objects["p002"], min_percent=D("80"))
    on_product = DiscountRuleFactory(product=objects["product"], min_percent=D("92.5"))
    client = logged_in(policy_user(branch))
    response = client.get(url("rule_list"))
    assert rows_of(response) == [
        on_p002,
        objects["rule"],
        on_product,
        on_inj,
    ]  # projects, products, categories
    body = response.content.decode()
    for text in (
        discount_text(True, None),
        discount_text(False, D("70")),
        discount_text(False, D("92.5")),
        "P006 双眼皮手术",
        "INJ 注射美容",
        gettext("Category"),
    ):
        assert text in body
    filters = {
        "?target_kind=category": [on_inj],
        "?target_kind=product": [on_product],
        "?never_discount=true": [objects["rule"]],
        "?never_discount=false": [on_p002, on_product, on_inj],
        "?q=P00": [on_p002, objects["rule"]],
        "?q=面膜": [on_product],
        "?q=注射": [on_inj],
    }
    for query, expected in filters.items():
        assert rows_of(client.get(url("rule_list") + query)) == expected, query
    assert [r.pk for r in rows_of(client.get(url("rule_list") + "?sort=rule"))] == [
        on_inj.pk,
        on_p002.pk,
        on_product.pk,
        objects["rule"].pk,
    ]


@pytest.mark.req("CAT-06")
def test_rule_text_in_tenths_for_chinese_and_percent_in_english():
    with mock.patch.object(policy_tables, "pgettext", return_value="tenths"), override("en"):
        assert discount_text(False, D("80.00")) == "Lowest 8 tenths of the price"
        assert discount_text(False, D("85.00")) == "Lowest 8.5 tenths of the price"
    with override("en"):
        assert discount_text(False, D("80.00")) == "Lowest 80% of the price"
        assert discount_text(False, D("92.50")) == "Lowest 92.5% of the price"
        assert discount_text(True, D("100")) == "Never discounted"
        assert discount_text(False, None) == ""


@pytest.mark.req("CAT-06")
def test_rule_form_errors_inline_and_nothing_written(logged_in, branch, objects):
    client = logged_in(policy_user(branch))
    before = state()
    for data, field, message in (
        (
            {"target_kind": "project", "project": objects["p002"].pk, "min_percent": "120"},
            "min_percent",
            gettext("The %(field)s must be a number from 0 to 100, for example 80 or 92.5.")
            % {"field": gettext("lowest price %")},
        ),
        (
            {"target_kind": "project", "project": objects["p002"].pk, "min_percent": "-5"},
            "min_percent",
            gettext("The %(field)s must be a number from 0 to 100, for example 80 or 92.5.")
            % {"field": gettext("lowest price %")},
        ),
        ({"target_kind": "product", "min_percent": "80"}, "product", None),
        (
            {"target_kind": "project", "project": objects["project"].pk, "min_percent": "80"},
            "project",
            gettext("%(target)s already has a discount rule; edit that rule instead.")
            % {"target": "双眼皮手术"},
        ),
    ):
        response = client.post(url("rule_create"), data)
        assert response.status_code == 422, data
        errors = response.context["form"].errors
        assert list(errors) == [field], data
        if message:
            assert errors[field] == [message]
    # htmx: the fragment with errors comes back 200
    response = client.post(
        url("rule_create"),
        {"target_kind": "category", "category": objects["inj"].pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["min_percent"] == [
        gettext("Enter the lowest price % (for example 80), or tick “never discounted”.")
    ]
    assert state() == before


@pytest.mark.req("CAT-06")
def test_rule_pages_flow(logged_in, branch, objects):
    client = logged_in(policy_user(branch))
    response = client.post(
        url("rule_create"),
        # only the chosen kind of target counts; the other picker is ignored
        {
            "target_kind": "category",
            "category": objects["inj"].pk,
            "project": objects["p002"].pk,
            "min_percent": "70",
        },
    )
    rule = DiscountRule.objects.get(category=objects["inj"])
    assert response["Location"] == url("rule_detail", rule.pk)
    detail = client.get(url("rule_detail", rule.pk))
    assert detail.status_code == 200
    assert discount_text(False, D("70")) in detail.content.decode()
    edit = client.get(url("rule_edit", objects["rule"].pk))
    assert edit.context["form"].initial["target_kind"] == "project"
    assert edit.context["form"].initial["min_percent"] is None  # never discounted
    client.post(url("rule_delete", rule.pk), {})
    assert DiscountRule.objects.filter(pk=rule.pk).exists() is False


@pytest.mark.req("CAT-06")
def test_detail_hides_buttons_without_permissions(logged_in, branch, objects):
    reader = logged_in(policy_user(branch, ["catalog.view_discountrule", "catalog.view_commissionplan"]))
    for page in (url("rule_detail", objects["rule"].pk), url("plan_detail", objects["plan"].pk)):
        response = reader.get(page)
        assert (response.context["edit_url"], response.context["remove_url"]) == (None, None)
    response = reader.get(url("rule_list"))
    assert response.context["create_url"] is None
    assert response.context["can_export"] is False


@pytest.mark.req("CAT-06")
def test_authority_list_and_set_clear_flow(logged_in, branch):
    org = branch.organisation
    own = org_role(org, "高级咨询师", "门店主管")
    consultant = builtin("consultant")
    admin = policy_user(branch)
    client = logged_in(admin)
    response = client.post(url("authority_edit", consultant.pk), {"min_percent": "90"})
    assert response["Location"] == url("authority_list")
    client.post(url("authority_edit", own.pk), {"min_percent": "85"})
    assert sorted(DiscountAuthority.objects.values_list("role_id", "min_percent")) == sorted(
        [(consultant.pk, D("90.00")), (own.pk, D("85.00"))]
    )
    response = client.get(url("authority_list") + "?per_page=100")
    rows = rows_of(response)
    builtins = list(
        RoleProfile.objects.filter(organisation__isnull=True)
        .order_by("group_id")
        .values_list("group_id", flat=True)
    )
    assert [row.pk for row in rows] == [*builtins, own.pk, admin.groups.get().pk]
    assert {row.pk: row.min_percent for row in rows if row.min_percent is not None} == {
        consultant.pk: D("90.00"),
        own.pk: D("85.00"),
    }
    assert discount_text(False, D("85")) in response.content.decode()
    assert [r.pk for r in rows_of(client.get(url("authority_list") + "?has_authority=true"))] == [
        consultant.pk,
        own.pk,
    ]
    assert [r.pk for r in rows_of(client.get(url("authority_list") + "?builtin=false"))] == [
        own.pk,
        admin.groups.get().pk,
    ]
    assert [r.pk for r in rows_of(client.get(url("authority_list") + "?q=主管"))] == [own.pk]
    edit = client.get(url("authority_edit", own.pk))
    assert edit.context["form"].initial["min_percent"] == D("85.00")
    assert edit.context["clear_url"] == url("authority_clear", own.pk)
    before = state()
    response = client.post(url("authority_edit", own.pk), {"min_percent": "101"})
    assert response.status_code == 422
    assert state() == before
    client.post(url("authority_clear", own.pk), {})
    assert list(DiscountAuthority.objects.values_list("role_id", flat=True)) == [consultant.pk]
    assert client.get(url("authority_edit", own.pk)).context["clear_url"] is None


@pytest.mark.req("CAT-07")
def test_plan_list_rows_and_filters(logged_in, branch, objects):
    org = branch.organisation
    doctor = PositionFactory(organisation=org, code="doctor", name="医生", order=5)
    card = PolicyCardTypeFactory(organisation=org, code="SV", name="储值卡")
    catch_all = objects["plan"]
    on_inj = CommissionPlanFactory(
        position=objects["consultant"], name="注射", category=objects["inj"], rate_percent=D("5")
    )
    operator = CommissionPlanFactory(
        position=doctor,
        name="医生操作",
        kind="operator",
        basis="per_session",
        rate_percent=None,
        fixed_amount=D("200"),
        project=objects["project"],
        effective_to=datetime.date(2026, 6, 30),
    )
    card_plan = CommissionPlanFactory(
        position=doctor, name="会员卡", kind="card", card_type=card, is_active=False
    )
    client = logged_in(policy_user(branch))
    response = client.get(url("plan_list"))
    assert rows_of(response) == [card_plan, operator, catch_all, on_inj]
    body = response.content.decode()
    assert gettext("%(amount)s per session") % {"amount": "¥200.00"} in body
    assert "P006 双眼皮手术" in body
    filters = {
        "?kind=operator": [operator],
        f"?position={doctor.pk}": [card_plan, operator],
        "?target_kind=all": [catch_all],
        "?target_kind=card_type": [card_plan],
        "?target_kind=category": [on_inj],
        "?on=2026-07-01": [card_plan, catch_all, on_inj],
        "?on=2025-12-31": [],
        "?is_active=false": [card_plan],
        "?basis=per_session": [operator],
        "?q=双眼皮": [operator],
        "?q=注射": [on_inj],
    }
    for query, expected in filters.items():
        assert rows_of(client.get(url("plan_list") + query)) == expected, query
    bad = client.get(url("plan_list") + "?on=not-a-date")
    assert rows_of(bad) == []


@pytest.mark.req("CAT-07")
def test_plan_form_errors_inline_and_nothing_written(logged_in, branch, objects):
    client = logged_in(policy_user(branch))
    base = {
        "name": "新方案",
        "kind": "sales",
        "position": objects["consultant"].pk,
        "target_kind": "category",
        "category": objects["inj"].pk,
        "basis": "cash",
        "rate_percent": "5",
        "effective_from": "2026-03-01",
        "effective_to": "2026-02-01",
    }
    before = state()
    for changes, field, message in (
        ({}, "effective_to", gettext("The plan cannot end before it starts.")),
        ({"effective_to": "", "basis": "per_session"}, "basis", None),
        ({"effective_to": "", "rate_percent": "150"}, "rate_percent", None),
        ({"effective_to": "", "target_kind": "all"}, "effective_from", None),  # overlaps the catch-all
        ({"effective_to": "", "category": ""}, "category", None),
    ):
        response = client.post(url("plan_create"), {**base, **changes})
        assert response.status_code == 422, changes
        assert list(response.context["form"].errors) == [field], (changes, response.context["form"].errors)
        if message:
            assert response.context["form"].errors[field] == [message]
    assert state() == before


@pytest.mark.req("CAT-06", "CAT-07")
def test_exports(logged_in, branch, objects):
    client = logged_in(policy_user(branch))
    for name in ("rule_list", "authority_list", "plan_list"):
        response = client.get(url(name) + "?export=csv")
        assert response.status_code == 200, name
    body = client.get(url("plan_list") + "?export=csv").content.decode("utf-8-sig")
    assert "咨询师销售提成" in body
    reader = logged_in(policy_user(branch, ["catalog.view_discountrule"]))
    assert reader.get(url("rule_list") + "?export=csv").status_code == 403


@pytest.mark.req("CAT-06", "CAT-07")
@pytest.mark.parametrize(("name", "queries"), [("rule_list", 7), ("authority_list", 7), ("plan_list", 8)])
@pytest.mark.parametrize("n", [3, 15])
def test_list_query_counts(logged_in, branch, django_assert_num_queries, name, queries, n):
    org = branch.organisation
    parent = PolicyCategoryFactory(organisation=org)
    for i in range(n):
        category = PolicyCategoryFactory(organisation=org, parent=parent)
        project = PolicyProjectFactory(category=category)
        product = PolicyProductFactory(category=category)
        DiscountRuleFactory(category=category, min_percent=D("70"))
        DiscountRuleFactory(project=project, never_discount=True)
        DiscountRuleFactory(product=product)
        position = PositionFactory(organisation=org)
        CommissionPlanFactory(position=position, project=project)
        CommissionPlanFactory(position=position, category=category, kind="prepayment")
        role = org_role(org, f"角色{i}")
        DiscountAuthorityFactory(organisation=org, role=role, min_percent=D("90"))
    client = logged_in(policy_user(branch))
    client.get(url(name))
    with django_assert_num_queries(queries):
        response = client.get(url(name) + "?per_page=100")
    assert response.status_code == 200
    expected = {"rule_list": 3 * n, "plan_list": 2 * n}.get(name)
    if expected is not None:
        assert response.context["paginator"].count == expected


@pytest.mark.req("CAT-06", "CAT-07")
def test_menu_entries(branch):
    admin = policy_user(branch, POLICY_PERMS)
    groups = {str(group.label): [(item.key, item.order) for item in group.items] for group in menu_for(admin)}
    assert [entry for entry in groups[gettext("Catalog")] if 330 <= entry[1] <= 339] == [
        ("catalog-discount-rules", 330),
        ("catalog-discount-authority", 332),
        ("catalog-commission-plans", 334),
    ]
    reader = policy_user(branch, ["catalog.view_commissionplan"])
    groups = {str(group.label): [item.key for item in group.items] for group in menu_for(reader)}
    assert groups[gettext("Catalog")] == ["catalog-commission-plans"]
    assert START.year == 2026
