"""Services of the discount settings (CAT-06) and commission plans (CAT-07): every rule, every
refusal with its exact message and field and nothing written, and the audit trail."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils.translation import gettext, override

from medspa.audit.models import AuditEvent
from medspa.catalog import policy_services as services
from medspa.catalog.choices import CommissionBasis, CommissionKind
from medspa.catalog.models import CommissionPlan, DiscountAuthority, DiscountRule
from medspa.core.errors import NotFound, PermissionDenied, ValidationError
from tests.catalog.policy_factories import (
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

D = Decimal


@pytest.fixture
def actor(branch):
    return policy_user(branch)


@pytest.fixture
def catalog(branch):
    org = branch.organisation
    inj = PolicyCategoryFactory(organisation=org, code="INJ", name="注射美容")
    surg = PolicyCategoryFactory(organisation=org, code="SURG", name="手术整形")
    return {
        "inj": inj,
        "surg": surg,
        "project": PolicyProjectFactory(category=surg, code="P006", name="双眼皮手术"),
        "project2": PolicyProjectFactory(category=inj, code="P002", name="肉毒素除皱-额纹"),
        "product": PolicyProductFactory(category=inj, code="R001", name="医用修复面膜"),
        "card": PolicyCardTypeFactory(organisation=org, code="SV5000", name="五千储值卡"),
        "consultant": PositionFactory(organisation=org, code="consultant", name="咨询师"),
        "doctor": PositionFactory(organisation=org, code="doctor", name="医生"),
    }


@pytest.fixture
def foreign():
    org = OrganisationFactory()
    category = PolicyCategoryFactory(organisation=org)
    return {
        "org": org,
        "category": category,
        "project": PolicyProjectFactory(category=category),
        "position": PositionFactory(organisation=org),
        "card": PolicyCardTypeFactory(organisation=org),
    }


def events(action=None):
    queryset = AuditEvent.objects.filter(module="catalog")
    if action:
        queryset = queryset.filter(action=action)
    return list(queryset.order_by("pk").values_list("action", "object_type", "changes"))


# --- discount rules ------------------------------------------------------------------------------------


@pytest.mark.req("CAT-06")
def test_rule_on_a_project_with_a_lowest_percentage(actor, catalog):
    rule = services.discount_rule_create(
        actor=actor, project_id=catalog["project2"].pk, min_percent="80", note="  肉毒素最低 8 折 "
    )
    stored = DiscountRule.objects.get()
    assert (stored.pk, stored.organisation_id, stored.project_id, stored.product_id, stored.category_id) == (
        rule.pk,
        catalog["inj"].organisation_id,
        catalog["project2"].pk,
        None,
        None,
    )
    assert (stored.never_discount, stored.min_percent, stored.note) == (False, D("80.00"), "肉毒素最低 8 折")
    assert (stored.created_by, stored.updated_by) == (actor, actor)
    assert events() == [
        (
            "create",
            "catalog.discountrule",
            {
                "project": [None, catalog["project2"].pk],
                "min_percent": [None, "80.00"],
                "never_discount": [None, False],
                "note": [None, "肉毒素最低 8 折"],
            },
        )
    ]


@pytest.mark.req("CAT-06")
def test_never_discounted_rule_on_each_kind_of_target(actor, catalog):
    on_project = services.discount_rule_create(
        actor=actor, project_id=catalog["project"].pk, never_discount=True
    )
    on_product = services.discount_rule_create(
        actor=actor, product_id=catalog["product"].pk, min_percent=D("92.5")
    )
    on_category = services.discount_rule_create(actor=actor, category_id=catalog["inj"].pk, min_percent=0)
    assert list(
        DiscountRule.objects.order_by("pk").values_list(
            "pk", "project_id", "product_id", "category_id", "never_discount", "min_percent"
        )
    ) == [
        (on_project.pk, catalog["project"].pk, None, None, True, D("100.00")),
        (on_product.pk, None, catalog["product"].pk, None, False, D("92.50")),
        (on_category.pk, None, None, catalog["inj"].pk, False, D("0.00")),
    ]


@pytest.mark.req("CAT-06")
def test_never_discounted_ignores_the_percentage_but_not_a_bad_one(actor, catalog):
    rule = services.discount_rule_create(
        actor=actor, project_id=catalog["project"].pk, never_discount=True, min_percent="80"
    )
    assert (rule.never_discount, rule.min_percent) == (True, D("100.00"))
    before = state()
    with override("en"), pytest.raises(ValidationError) as caught:
        services.discount_rule_create(
            actor=actor, project_id=catalog["project2"].pk, never_discount=True, min_percent="120"
        )
    assert (caught.value.field, caught.value.message) == (
        "min_percent",
        "The lowest price % must be a number from 0 to 100, for example 80 or 92.5.",
    )
    assert state() == before


PERCENT_MESSAGE = "The lowest price % must be a number from 0 to 100, for example 80 or 92.5."


@pytest.mark.req("CAT-06")
@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({}, "target", "Choose exactly one project, product or category for the rule."),
        (
            {"project_id": "project", "category_id": "inj"},
            "category",
            "Choose exactly one project, product or category for the rule.",
        ),
        (
            {"project_id": "project", "product_id": "product"},
            "product",
            "Choose exactly one project, product or category for the rule.",
        ),
        ({"project_id": "foreign_project"}, "project", "That project does not exist."),
        ({"category_id": "foreign_category"}, "category", "That category does not exist."),
        ({"project_id": -1}, "project", "That project does not exist."),
        ({"product_id": -1}, "product", "That product does not exist."),
        ({"project_id": "project", "min_percent": "-0.01"}, "min_percent", PERCENT_MESSAGE),
        ({"project_id": "project", "min_percent": "100.01"}, "min_percent", PERCENT_MESSAGE),
        ({"project_id": "project", "min_percent": -10}, "min_percent", PERCENT_MESSAGE),
        ({"project_id": "project", "min_percent": 150}, "min_percent", PERCENT_MESSAGE),
        ({"project_id": "project", "min_percent": "八折"}, "min_percent", PERCENT_MESSAGE),
        ({"project_id": "project", "min_percent": "NaN"}, "min_percent", PERCENT_MESSAGE),
        ({"project_id": "project", "min_percent": 80.0}, "min_percent", PERCENT_MESSAGE),
        (
            {"project_id": "project", "min_percent": "80.555"},
            "min_percent",
            "The lowest price % may have at most two decimal places.",
        ),
        (
            {"project_id": "project"},
            "min_percent",
            "Enter the lowest price % (for example 80), or tick “never discounted”.",
        ),
        (
            {"project_id": "project", "min_percent": 80, "note": "长" * 201},
            "note",
            "The note may have at most 200 characters.",
        ),
    ],
)
def test_rule_refusals_write_nothing(actor, catalog, foreign, arguments, field, message):
    pool = {
        "project": catalog["project"].pk,
        "product": catalog["product"].pk,
        "inj": catalog["inj"].pk,
        "foreign_project": foreign["project"].pk,
        "foreign_category": foreign["category"].pk,
    }
    kwargs = {
        key: pool[value] if key.endswith("_id") and isinstance(value, str) else value
        for key, value in arguments.items()
    }
    before = state()
    with override("en"), pytest.raises(ValidationError) as caught:
        services.discount_rule_create(actor=actor, **kwargs)
    assert (caught.value.field, caught.value.message) == (field, message)
    assert state() == before


@pytest.mark.req("CAT-06")
def test_one_rule_per_target(actor, catalog):
    DiscountRuleFactory(project=catalog["project"], min_percent=D("90"))
    other = DiscountRuleFactory(category=catalog["inj"], min_percent=D("70"))
    before = state()
    with override("en"), pytest.raises(ValidationError) as caught:
        services.discount_rule_create(actor=actor, project_id=catalog["project"].pk, min_percent=80)
    assert (caught.value.field, caught.value.message) == (
        "project",
        "双眼皮手术 already has a discount rule; edit that rule instead.",
    )
    with override("en"), pytest.raises(ValidationError) as caught:
        services.discount_rule_update(
            actor=actor, rule_id=other.pk, project_id=catalog["project"].pk, min_percent=70
        )
    assert caught.value.field == "project"
    assert state() == before


@pytest.mark.req("CAT-06")
def test_update_and_delete_are_audited(actor, catalog):
    rule = services.discount_rule_create(actor=actor, category_id=catalog["inj"].pk, min_percent=70)
    updated = services.discount_rule_update(
        actor=actor, rule_id=rule.pk, category_id=catalog["inj"].pk, never_discount=True, note="暂停打折"
    )
    assert (updated.never_discount, updated.min_percent, updated.note) == (True, D("100.00"), "暂停打折")
    services.discount_rule_delete(actor=actor, rule_id=rule.pk)
    assert DiscountRule.objects.count() == 0
    assert events()[1:] == [
        (
            "update",
            "catalog.discountrule",
            {"min_percent": ["70.00", "100.00"], "never_discount": [False, True], "note": ["", "暂停打折"]},
        ),
        (
            "delete",
            "catalog.discountrule",
            {
                "category": [catalog["inj"].pk, None],
                "min_percent": ["100.00", None],
                "never_discount": [True, None],
                "note": ["暂停打折", None],
            },
        ),
    ]


@pytest.mark.req("CAT-06")
def test_rule_permissions_and_other_organisation(branch, catalog, foreign):
    rule = DiscountRuleFactory(project=catalog["project"])
    elsewhere = DiscountRuleFactory(project=foreign["project"])
    reader = policy_user(branch, ["catalog.view_discountrule"])
    before = state()
    for call in (
        lambda: services.discount_rule_create(
            actor=reader, project_id=catalog["project2"].pk, min_percent=80
        ),
        lambda: services.discount_rule_update(
            actor=reader, rule_id=rule.pk, project_id=catalog["project"].pk, min_percent=80
        ),
        lambda: services.discount_rule_delete(actor=reader, rule_id=rule.pk),
    ):
        with pytest.raises(PermissionDenied):
            call()
    admin = policy_user(branch)
    with pytest.raises(NotFound):
        services.discount_rule_update(
            actor=admin, rule_id=elsewhere.pk, project_id=catalog["project"].pk, min_percent=1
        )
    with pytest.raises(NotFound):
        services.discount_rule_delete(actor=admin, rule_id=elsewhere.pk)
    with pytest.raises(NotFound):
        services.discount_rule_delete(actor=admin, rule_id=-1)
    assert state() == before


# --- discount authority ------------------------------------------------------------------------------


builtin = builtin_role


@pytest.mark.req("CAT-06")
def test_set_replace_and_clear_a_role_authority(actor, branch):
    consultant = builtin("consultant")
    first = services.discount_authority_set(actor=actor, role_id=consultant.pk, min_percent="90")
    second = services.discount_authority_set(actor=actor, role_id=consultant.pk, min_percent=D("85.5"))
    stored = DiscountAuthority.objects.get()
    assert (stored.pk, first.pk, second.pk) == (first.pk, first.pk, first.pk)
    assert (stored.organisation_id, stored.role_id, stored.min_percent) == (
        branch.organisation_id,
        consultant.pk,
        D("85.50"),
    )
    own = org_role(branch.organisation, "高级咨询师")
    services.discount_authority_set(actor=actor, role_id=own.pk, min_percent=80)
    services.discount_authority_clear(actor=actor, role_id=consultant.pk)
    assert list(DiscountAuthority.objects.values_list("role_id", "min_percent")) == [(own.pk, D("80.00"))]
    assert [(action, changes) for action, _type, changes in events()] == [
        ("create", {"role": [None, consultant.pk], "min_percent": [None, "90.00"]}),
        ("update", {"min_percent": ["90.00", "85.50"]}),
        ("create", {"role": [None, own.pk], "min_percent": [None, "80.00"]}),
        ("delete", {"role": [consultant.pk, None], "min_percent": ["85.50", None]}),
    ]
    before = state()
    services.discount_authority_clear(actor=actor, role_id=consultant.pk)  # nothing to clear
    assert state() == before


@pytest.mark.req("CAT-06")
@pytest.mark.parametrize("value", ["-1", "100.5", 101, None, "", "九折", 90.0])
def test_authority_out_of_range_is_refused(actor, value):
    before = state()
    with override("en"), pytest.raises(ValidationError) as caught:
        services.discount_authority_set(actor=actor, role_id=builtin("director").pk, min_percent=value)
    assert (caught.value.field, caught.value.message) == ("min_percent", PERCENT_MESSAGE)
    assert state() == before


@pytest.mark.req("CAT-06")
def test_authority_of_another_organisation_role_or_without_permission(branch, actor):
    foreign_role = org_role(OrganisationFactory(), "别家角色")
    bare_group = Group.objects.create(name="无角色档案")
    reader = policy_user(branch, ["catalog.view_discountauthority"])
    before = state()
    for role in (foreign_role, bare_group):
        with pytest.raises(NotFound):
            services.discount_authority_set(actor=actor, role_id=role.pk, min_percent=90)
        with pytest.raises(NotFound):
            services.discount_authority_clear(actor=actor, role_id=role.pk)
    with pytest.raises(NotFound):
        services.discount_authority_set(actor=actor, role_id=-1, min_percent=90)
    with pytest.raises(PermissionDenied):
        services.discount_authority_set(actor=reader, role_id=builtin("director").pk, min_percent=90)
    with pytest.raises(PermissionDenied):
        services.discount_authority_clear(actor=reader, role_id=builtin("director").pk)
    assert state() == before


@pytest.mark.req("CAT-06")
def test_authorities_are_per_organisation(actor, branch):
    director = builtin("director")
    other_org = OrganisationFactory()
    DiscountAuthorityFactory(organisation=other_org, role=director, min_percent=D("50"))
    services.discount_authority_set(actor=actor, role_id=director.pk, min_percent=70)
    assert sorted(DiscountAuthority.objects.values_list("organisation_id", "min_percent")) == sorted(
        [(other_org.pk, D("50.00")), (branch.organisation_id, D("70.00"))]
    )


# --- commission plans --------------------------------------------------------------------------------


def plan_kwargs(catalog, **overrides):
    kwargs = {
        "name": "咨询师销售提成",
        "kind": CommissionKind.SALES,
        "position_id": catalog["consultant"].pk,
        "basis": CommissionBasis.CASH,
        "rate_percent": "3",
        "effective_from": START,
    }
    kwargs.update(overrides)
    return kwargs


@pytest.mark.req("CAT-07")
@pytest.mark.parametrize(
    ("kind", "basis", "rate", "amount", "target"),
    [
        ("sales", "cash", "3", None, None),
        ("sales", "consumption", "2.5", None, "inj"),
        ("operator", "per_session", None, "200", "project"),
        ("operator", "consumption", "2", None, None),
        ("card", "cash", "2", None, "card"),
        ("prepayment", "cash", "1", None, "product"),
    ],
)
def test_plan_for_each_kind_and_basis(actor, catalog, kind, basis, rate, amount, target):
    targets = {
        "inj": {"category_id": catalog["inj"].pk},
        "project": {"project_id": catalog["project"].pk},
        "card": {"card_type_id": catalog["card"].pk},
        "product": {"product_id": catalog["product"].pk},
        None: {},
    }[target]
    plan = services.commission_plan_create(
        actor=actor,
        **plan_kwargs(catalog, kind=kind, basis=basis, rate_percent=rate, fixed_amount=amount, **targets),
    )
    stored = CommissionPlan.objects.get()
    assert stored.pk == plan.pk
    assert (
        stored.kind,
        stored.basis,
        stored.rate_percent,
        stored.fixed_amount,
        stored.position_id,
        stored.effective_from,
        stored.effective_to,
        stored.is_active,
    ) == (
        kind,
        basis,
        D(rate).quantize(D("0.01")) if rate else None,
        D(amount).quantize(D("0.01")) if amount else None,
        catalog["consultant"].pk,
        START,
        None,
        True,
    )
    assert {
        "project_id": stored.project_id,
        "product_id": stored.product_id,
        "card_type_id": stored.card_type_id,
        "category_id": stored.category_id,
    } == {**dict.fromkeys(("project_id", "product_id", "card_type_id", "category_id")), **targets}
    assert [action for action, _type, _changes in events()] == ["create"]


BASIS_MESSAGES = {
    "sales": "Sales commission can only be computed as: Percent of cash performance / "
    "Percent of consumption performance.",
    "operator": "Operator commission can only be computed as: Fixed amount per session / "
    "Percent of consumption performance.",
    "card": "Member-card commission can only be computed as: Percent of cash performance.",
    "prepayment": "Prepayment commission can only be computed as: Percent of cash performance.",
}
RATE_MESSAGE = "The rate % must be a number from 0 to 100, for example 80 or 92.5."


@pytest.mark.req("CAT-07")
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"kind": "sales", "basis": "per_session", "rate_percent": None, "fixed_amount": "10"},
            "basis",
            BASIS_MESSAGES["sales"],
        ),
        ({"kind": "operator", "basis": "cash"}, "basis", BASIS_MESSAGES["operator"]),
        ({"kind": "card", "basis": "consumption"}, "basis", BASIS_MESSAGES["card"]),
        ({"kind": "prepayment", "basis": "consumption"}, "basis", BASIS_MESSAGES["prepayment"]),
        ({"kind": "bonus"}, "kind", "Choose a kind: sales, operator, member-card or prepayment commission."),
        ({"basis": "weird"}, "basis", BASIS_MESSAGES["sales"]),
        ({"rate_percent": None}, "rate_percent", RATE_MESSAGE),
        ({"rate_percent": "-1"}, "rate_percent", RATE_MESSAGE),
        ({"rate_percent": "100.01"}, "rate_percent", RATE_MESSAGE),
        (
            {"rate_percent": "3", "fixed_amount": "5"},
            "fixed_amount",
            "A percentage commission has no amount per session; leave it empty.",
        ),
        (
            {"kind": "operator", "basis": "per_session", "rate_percent": None},
            "fixed_amount",
            "Enter the amount per session.",
        ),
        (
            {"kind": "operator", "basis": "per_session", "rate_percent": None, "fixed_amount": "-0.01"},
            "fixed_amount",
            "The amount per session cannot be negative.",
        ),
        (
            {"kind": "operator", "basis": "per_session", "rate_percent": None, "fixed_amount": "abc"},
            "fixed_amount",
            "Enter a valid amount, for example 1234.50.",
        ),
        (
            {"kind": "operator", "basis": "per_session", "rate_percent": "2", "fixed_amount": "200"},
            "rate_percent",
            "A fixed amount per session has no rate; leave the rate empty.",
        ),
        (
            {"project_id": "project", "category_id": "inj"},
            "category",
            "Choose at most one project, product, card type or category (none: everything).",
        ),
        ({"card_type_id": "card"}, "card_type", "Only a member-card commission can be set on a card type."),
        ({"project_id": "foreign_project"}, "project", "That project does not exist."),
        ({"kind": "card", "card_type_id": "foreign_card"}, "card_type", "That card type does not exist."),
        ({"position_id": "foreign_position"}, "position", "That position does not exist."),
        ({"position_id": "inactive_position"}, "position", "That position does not exist."),
        ({"position_id": -1}, "position", "That position does not exist."),
        ({"position_id": None}, "position", "Choose the position."),
        ({"name": "  "}, "name", "Enter the name."),
        ({"effective_from": None}, "effective_from", "Enter the date the plan takes effect."),
        (
            {"effective_to": START - datetime.timedelta(days=1)},
            "effective_to",
            "The plan cannot end before it starts.",
        ),
    ],
)
def test_plan_refusals_write_nothing(actor, catalog, foreign, overrides, field, message):
    inactive = PositionFactory(organisation=catalog["consultant"].organisation, is_active=False)
    pool = {
        "project": catalog["project"].pk,
        "inj": catalog["inj"].pk,
        "card": catalog["card"].pk,
        "foreign_project": foreign["project"].pk,
        "foreign_card": foreign["card"].pk,
        "foreign_position": foreign["position"].pk,
        "inactive_position": inactive.pk,
    }
    resolved = {
        key: pool[value] if key.endswith("_id") and isinstance(value, str) else value
        for key, value in overrides.items()
    }
    before = state()
    with override("en"), pytest.raises(ValidationError) as caught:
        services.commission_plan_create(actor=actor, **plan_kwargs(catalog, **resolved))
    assert (caught.value.field, caught.value.message) == (field, message)
    assert state() == before


@pytest.mark.req("CAT-07")
def test_overlapping_active_plans_are_refused_and_name_the_other(actor, catalog):
    existing = CommissionPlanFactory(
        position=catalog["consultant"], name="2026 年咨询师提成", category=catalog["inj"], effective_to=None
    )
    before = state()
    with override("en"), pytest.raises(ValidationError) as caught:
        services.commission_plan_create(
            actor=actor,
            **plan_kwargs(catalog, category_id=catalog["inj"].pk, effective_from=datetime.date(2026, 6, 1)),
        )
    assert (caught.value.field, caught.value.message) == (
        "effective_from",
        "The active plan “2026 年咨询师提成” (2026-01-01 – open-ended) already covers this kind, position "
        "and target in an overlapping period; end it or choose other dates.",
    )
    with pytest.raises(ValidationError):  # an earlier start that runs into it
        services.commission_plan_create(
            actor=actor,
            **plan_kwargs(
                catalog,
                category_id=catalog["inj"].pk,
                effective_from=datetime.date(2025, 1, 1),
                effective_to=START,
            ),
        )
    assert state() == before
    # ending the existing plan makes room; other targets, positions, kinds never collide
    existing.effective_to = datetime.date(2026, 5, 31)
    existing.save()
    services.commission_plan_create(
        actor=actor,
        **plan_kwargs(catalog, category_id=catalog["inj"].pk, effective_from=datetime.date(2026, 6, 1)),
    )
    services.commission_plan_create(actor=actor, **plan_kwargs(catalog))  # catch-all
    services.commission_plan_create(
        actor=actor, **plan_kwargs(catalog, position_id=catalog["doctor"].pk, category_id=catalog["inj"].pk)
    )
    services.commission_plan_create(
        actor=actor, **plan_kwargs(catalog, kind="prepayment", category_id=catalog["inj"].pk)
    )
    assert CommissionPlan.objects.count() == 5


@pytest.mark.req("CAT-07")
def test_inactive_plans_do_not_block_until_reactivated(actor, catalog):
    old = CommissionPlanFactory(position=catalog["consultant"], name="旧方案", is_active=False)
    new = services.commission_plan_create(actor=actor, **plan_kwargs(catalog, name="新方案"))
    before = state()
    with override("en"), pytest.raises(ValidationError) as caught:
        services.commission_plan_update(
            actor=actor, plan_id=old.pk, is_active=True, **plan_kwargs(catalog, name="旧方案")
        )
    assert caught.value.message.startswith("The active plan “新方案” (2026-01-01 – open-ended)")
    assert state() == before
    # editing the active plan itself does not collide with itself
    updated = services.commission_plan_update(
        actor=actor,
        plan_id=new.pk,
        **plan_kwargs(catalog, name="新方案", rate_percent="4", effective_to=datetime.date(2026, 12, 31)),
    )
    assert (updated.rate_percent, updated.effective_to, updated.is_active) == (
        D("4.00"),
        datetime.date(2026, 12, 31),
        True,
    )
    assert events("update")[-1][2] == {"effective_to": [None, "2026-12-31"], "rate_percent": ["3.00", "4.00"]}


@pytest.mark.req("CAT-07")
def test_deactivate_and_permissions(branch, actor, catalog, foreign):
    plan = CommissionPlanFactory(position=catalog["consultant"])
    elsewhere = CommissionPlanFactory(position=foreign["position"])
    reader = policy_user(branch, ["catalog.view_commissionplan"])
    before = state()
    with pytest.raises(PermissionDenied):
        services.commission_plan_create(actor=reader, **plan_kwargs(catalog))
    with pytest.raises(PermissionDenied):
        services.commission_plan_update(actor=reader, plan_id=plan.pk, **plan_kwargs(catalog))
    with pytest.raises(PermissionDenied):
        services.commission_plan_deactivate(actor=reader, plan_id=plan.pk)
    with pytest.raises(NotFound):
        services.commission_plan_deactivate(actor=actor, plan_id=elsewhere.pk)
    with pytest.raises(NotFound):
        services.commission_plan_update(actor=actor, plan_id=elsewhere.pk, **plan_kwargs(catalog))
    assert state() == before
    services.commission_plan_deactivate(actor=actor, plan_id=plan.pk)
    services.commission_plan_deactivate(actor=actor, plan_id=plan.pk)  # again: nothing more
    assert CommissionPlan.objects.get(pk=plan.pk).is_active is False
    assert events() == [("deactivate", "catalog.commissionplan", {"is_active": [True, False]})]


@pytest.mark.req("CAT-07")
def test_an_inactive_position_stays_on_its_plan_when_edited(actor, catalog):
    plan = services.commission_plan_create(actor=actor, **plan_kwargs(catalog))
    position = catalog["consultant"]
    position.is_active = False
    position.save()
    updated = services.commission_plan_update(
        actor=actor, plan_id=plan.pk, **plan_kwargs(catalog, rate_percent="5")
    )
    assert updated.rate_percent == D("5.00")


@pytest.mark.req("CAT-06", "CAT-07")
def test_messages_are_translated(actor, catalog):
    with pytest.raises(ValidationError) as caught:
        services.discount_rule_create(actor=actor, project_id=catalog["project"].pk, min_percent="120")
    assert caught.value.message == gettext(
        "The %(field)s must be a number from 0 to 100, for example 80 or 92.5."
    ) % {"field": gettext("lowest price %")}
