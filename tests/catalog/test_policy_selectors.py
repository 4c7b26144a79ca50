"""Resolvers of the discount settings (CAT-06) and commission plans (CAT-07): which discount rule
governs an item (own > category > ancestor, never beats a percentage, pinned queries), the
actor's discount authority, and which commission plan applies on a date."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from medspa.accounts.models import RoleProfile
from medspa.catalog import policy_selectors as selectors
from medspa.catalog.policy_selectors import DiscountFloor, DiscountTarget
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
)
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def tree(branch):
    """INJ > INJ-HA > INJ-HA-DEEP, INJ > INJ-BTX; SURG; RETAIL — with projects and a product."""
    org = branch.organisation
    inj = PolicyCategoryFactory(organisation=org, code="INJ", name="注射美容")
    ha = PolicyCategoryFactory(organisation=org, code="INJ-HA", name="玻尿酸", parent=inj)
    deep = PolicyCategoryFactory(organisation=org, code="INJ-HA-DEEP", name="深层玻尿酸", parent=ha)
    btx = PolicyCategoryFactory(organisation=org, code="INJ-BTX", name="肉毒素", parent=inj)
    surg = PolicyCategoryFactory(organisation=org, code="SURG", name="手术整形")
    retail = PolicyCategoryFactory(organisation=org, code="RETAIL", name="零售商品")
    return {
        "org": org,
        "inj": inj,
        "ha": ha,
        "deep": deep,
        "btx": btx,
        "surg": surg,
        "retail": retail,
        "p001": PolicyProjectFactory(category=ha, code="P001", name="玻尿酸填充-鼻部"),
        "p002": PolicyProjectFactory(category=btx, code="P002", name="肉毒素除皱-额纹"),
        "p006": PolicyProjectFactory(category=surg, code="P006", name="双眼皮手术"),
        "p008": PolicyProjectFactory(category=deep, code="P008", name="深层填充"),
        "r001": PolicyProductFactory(category=retail, code="R001", name="医用修复面膜"),
    }


def floor(rule, kind, source):
    return DiscountFloor(
        rule_id=rule.pk,
        never_discount=rule.never_discount,
        min_percent=D("100.00") if rule.never_discount else rule.min_percent,
        source_kind=kind,
        source_id=source.pk,
        source_name=source.name,
    )


# --- discount_floors ---------------------------------------------------------------------------------


@pytest.mark.req("CAT-06")
def test_own_rule_beats_category_beats_ancestor(tree, django_assert_num_queries):
    on_inj = DiscountRuleFactory(category=tree["inj"], min_percent=D("70.00"))
    on_p002 = DiscountRuleFactory(project=tree["p002"], min_percent=D("80.00"))
    on_surg = DiscountRuleFactory(category=tree["surg"], min_percent=D("90.00"))
    on_p006 = DiscountRuleFactory(project=tree["p006"], never_discount=True, min_percent=D("50.00"))
    on_deep = DiscountRuleFactory(category=tree["deep"], min_percent=D("60.00"))
    targets = [
        ("project", tree["p001"].pk, tree["ha"].pk),  # INJ-HA has none: INJ, its parent
        ("project", tree["p002"].pk, tree["btx"].pk),  # its own, though INJ is lower
        ("project", tree["p006"].pk, tree["surg"].pk),  # own never-discounted beats SURG 90
        DiscountTarget("project", tree["p008"].pk, tree["deep"].pk),  # INJ-HA-DEEP beats INJ
        ("product", tree["r001"].pk, tree["retail"].pk),  # no rule anywhere
        ("category", tree["btx"].pk),  # a category asks about itself and its parents
        ("category", tree["surg"].pk, None),
    ]
    with django_assert_num_queries(2):
        floors = selectors.discount_floors(organisation_id=tree["org"].pk, targets=targets)
    assert floors == {
        ("project", tree["p001"].pk): floor(on_inj, "category", tree["inj"]),
        ("project", tree["p002"].pk): floor(on_p002, "project", tree["p002"]),
        ("project", tree["p006"].pk): floor(on_p006, "project", tree["p006"]),
        ("project", tree["p008"].pk): floor(on_deep, "category", tree["deep"]),
        ("product", tree["r001"].pk): None,
        ("category", tree["btx"].pk): floor(on_inj, "category", tree["inj"]),
        ("category", tree["surg"].pk): floor(on_surg, "category", tree["surg"]),
    }
    assert floors[("project", tree["p006"].pk)].min_percent == D("100.00")


@pytest.mark.req("CAT-06")
def test_never_discounted_category_beats_a_percentage_stored_with_it(tree):
    rule = DiscountRuleFactory(category=tree["inj"], never_discount=True, min_percent=D("70.00"))
    floors = selectors.discount_floors(
        organisation_id=tree["org"].pk, targets=[("project", tree["p001"].pk, tree["ha"].pk)]
    )
    assert floors == {("project", tree["p001"].pk): floor(rule, "category", tree["inj"])}
    assert (
        floors[("project", tree["p001"].pk)].never_discount,
        floors[("project", tree["p001"].pk)].min_percent,
    ) == (
        True,
        D("100.00"),
    )


@pytest.mark.req("CAT-06")
@pytest.mark.parametrize("n", [2, 12])
def test_floor_queries_do_not_grow_with_targets(tree, django_assert_num_queries, n):
    DiscountRuleFactory(category=tree["inj"], min_percent=D("70.00"))
    projects = [PolicyProjectFactory(category=tree["deep"]) for _ in range(n)]
    products = [PolicyProductFactory(category=tree["retail"]) for _ in range(n)]
    for project in projects[::2]:
        DiscountRuleFactory(project=project, min_percent=D("85.00"))
    targets = [("project", p.pk, p.category_id) for p in projects] + [
        ("product", p.pk, p.category_id) for p in products
    ]
    with django_assert_num_queries(2):
        floors = selectors.discount_floors(organisation_id=tree["org"].pk, targets=targets)
    assert len(floors) == 2 * n
    assert sorted({f.min_percent if f else None for f in floors.values()}, key=str) == [
        D("70.00"),
        D("85.00"),
        None,
    ]


@pytest.mark.req("CAT-06")
def test_floors_without_categories_and_other_organisations(tree, django_assert_num_queries):
    other = OrganisationFactory()
    foreign_category = PolicyCategoryFactory(organisation=other)
    DiscountRuleFactory(category=foreign_category, min_percent=D("10.00"))
    with django_assert_num_queries(0):
        assert selectors.discount_floors(organisation_id=tree["org"].pk, targets=[]) == {}
    with django_assert_num_queries(1):  # no category asked: no tree query
        floors = selectors.discount_floors(
            organisation_id=tree["org"].pk, targets=[("project", tree["p001"].pk, None)]
        )
    assert floors == {("project", tree["p001"].pk): None}
    # another organisation's rule on a category id never applies
    floors = selectors.discount_floors(
        organisation_id=tree["org"].pk, targets=[("project", tree["p001"].pk, foreign_category.pk)]
    )
    assert floors == {("project", tree["p001"].pk): None}


# --- discount_authority_for --------------------------------------------------------------------------


builtin = builtin_role


@pytest.mark.req("CAT-06")
def test_authority_is_the_lowest_of_the_actor_roles(branch, django_assert_num_queries):
    org = branch.organisation
    consultant, director, cashier = builtin("consultant"), builtin("director"), builtin("cashier")
    DiscountAuthorityFactory(organisation=org, role=consultant, min_percent=D("90.00"))
    DiscountAuthorityFactory(organisation=org, role=director, min_percent=D("70.00"))
    DiscountAuthorityFactory(organisation=org, role=cashier, min_percent=D("95.00"))
    user = UserFactory(branches=[branch])
    user.groups.add(consultant, cashier)
    with django_assert_num_queries(1):
        assert selectors.discount_authority_for(user) == D("90.00")
    user.groups.add(director)
    assert selectors.discount_authority_for(user) == D("70.00")


@pytest.mark.req("CAT-06")
def test_no_authority_is_none_and_a_superuser_is_zero(branch, django_assert_num_queries):
    org = branch.organisation
    DiscountAuthorityFactory(organisation=org, role=builtin("director"), min_percent=D("70.00"))
    plain = UserFactory(branches=[branch])
    plain.groups.add(builtin("nurse"))
    assert selectors.discount_authority_for(plain) is None
    root = UserFactory(is_superuser=True)
    with django_assert_num_queries(0):
        assert selectors.discount_authority_for(root) == D(0)
    inactive = UserFactory(branches=[branch], is_active=False)
    inactive.groups.add(builtin("director"))
    assert selectors.discount_authority_for(inactive) is None
    assert selectors.discount_authority_for(None) is None
    homeless = UserFactory()
    homeless.groups.add(builtin("director"))
    assert selectors.discount_authority_for(homeless) is None


@pytest.mark.req("CAT-06")
def test_other_organisation_roles_and_rows_are_ignored(branch):
    org = branch.organisation
    other = OrganisationFactory()
    director = builtin("director")
    DiscountAuthorityFactory(organisation=other, role=director, min_percent=D("50.00"))  # other org's row
    foreign_role = org_role(other, "别家院长")
    DiscountAuthorityFactory(organisation=org, role=foreign_role, min_percent=D("10.00"))  # bad row
    own_role = org_role(org, "主任")
    DiscountAuthorityFactory(organisation=org, role=own_role, min_percent=D("75.00"))
    user = UserFactory(branches=[branch])
    user.groups.add(director, foreign_role)
    assert selectors.discount_authority_for(user) is None
    user.groups.add(own_role)
    assert selectors.discount_authority_for(user) == D("75.00")


@pytest.mark.req("CAT-06")
def test_authority_list_shows_builtin_and_own_roles_only(branch):
    org = branch.organisation
    admin = policy_user(branch)
    own = org_role(org, "高级咨询师")
    org_role(OrganisationFactory(), "别家角色")
    Group.objects.create(name="无档案的组")
    DiscountAuthorityFactory(organisation=org, role=own, min_percent=D("85.00"))
    DiscountAuthorityFactory(organisation=OrganisationFactory(), role=builtin("director"), min_percent=D("1"))
    rows = list(selectors.discount_authorities_for(admin))
    builtin_names = list(
        RoleProfile.objects.filter(organisation__isnull=True)
        .order_by("group_id")
        .values_list("group__name", flat=True)
    )
    assert [row.name for row in rows] == [*builtin_names, f"role-{admin.username}", "高级咨询师"]
    assert {row.name: row.min_percent for row in rows if row.min_percent is not None} == {
        "高级咨询师": D("85.00")
    }


# --- commission_plan_for -----------------------------------------------------------------------------


@pytest.fixture
def positions(tree):
    return {
        "consultant": PositionFactory(organisation=tree["org"], code="consultant"),
        "doctor": PositionFactory(organisation=tree["org"], code="doctor"),
    }


@pytest.mark.req("CAT-07")
def test_most_specific_plan_applies(tree, positions, django_assert_num_queries):
    consultant = positions["consultant"]
    catch_all = CommissionPlanFactory(position=consultant, name="全部 3%")
    on_inj = CommissionPlanFactory(
        position=consultant, name="INJ 5%", category=tree["inj"], rate_percent=D("5")
    )
    on_ha = CommissionPlanFactory(position=consultant, name="HA 6%", category=tree["ha"], rate_percent=D("6"))
    on_p001 = CommissionPlanFactory(
        position=consultant, name="P001 8%", project=tree["p001"], rate_percent=D("8")
    )
    CommissionPlanFactory(position=positions["doctor"], name="医生", project=tree["p002"])  # other position
    CommissionPlanFactory(
        position=consultant, name="预收", kind="prepayment", project=tree["p002"]
    )  # other kind
    org, on = tree["org"].pk, datetime.date(2026, 3, 1)

    def plan(**kwargs):
        return selectors.commission_plan_for(
            organisation_id=org, kind="sales", position_id=consultant.pk, on_date=on, **kwargs
        )

    with django_assert_num_queries(2):  # the category tree, the plans
        assert plan(project_id=tree["p001"].pk, category_id=tree["ha"].pk) == on_p001
    with django_assert_num_queries(3):  # the project's category looked up first
        assert plan(project_id=tree["p008"].pk) == on_ha  # INJ-HA-DEEP has none: INJ-HA
    assert plan(project_id=tree["p002"].pk, category_id=tree["btx"].pk) == on_inj  # INJ-BTX: INJ
    assert plan(project_id=tree["p006"].pk) == catch_all  # SURG: the catch-all
    assert plan(product_id=tree["r001"].pk) == catch_all
    assert plan(category_id=tree["deep"].pk) == on_ha
    with django_assert_num_queries(1):
        assert plan() == catch_all
    assert (
        selectors.commission_plan_for(
            organisation_id=org,
            kind="operator",
            position_id=consultant.pk,
            project_id=tree["p001"].pk,
            on_date=on,
        )
        is None
    )
    assert (
        selectors.commission_plan_for(
            organisation_id=org, kind="bogus", position_id=consultant.pk, on_date=on
        )
        is None
    )


@pytest.mark.req("CAT-07")
def test_plans_apply_only_in_their_period_and_while_active(tree, positions):
    consultant = positions["consultant"]
    first_half = CommissionPlanFactory(
        position=consultant,
        category=tree["inj"],
        rate_percent=D("5"),
        effective_to=datetime.date(2026, 6, 30),
    )
    second_half = CommissionPlanFactory(
        position=consultant,
        category=tree["inj"],
        rate_percent=D("6"),
        effective_from=datetime.date(2026, 7, 1),
    )
    catch_all = CommissionPlanFactory(position=consultant, effective_from=datetime.date(2025, 1, 1))
    CommissionPlanFactory(position=consultant, project=tree["p001"], is_active=False)  # deactivated

    def plan(on):
        return selectors.commission_plan_for(
            organisation_id=tree["org"].pk,
            kind="sales",
            position_id=consultant.pk,
            project_id=tree["p001"].pk,
            category_id=tree["ha"].pk,
            on_date=on,
        )

    assert plan(datetime.date(2025, 12, 31)) == catch_all  # before INJ's plans start
    assert plan(START) == first_half
    assert plan(datetime.date(2026, 6, 30)) == first_half  # its last day
    assert plan(datetime.date(2026, 7, 1)) == second_half
    assert plan(datetime.date(2030, 1, 1)) == second_half  # open-ended
    assert (
        selectors.commission_plan_for(
            organisation_id=tree["org"].pk,
            kind="sales",
            position_id=consultant.pk,
            on_date=datetime.date(2024, 1, 1),
        )
        is None
    )


@pytest.mark.req("CAT-07")
def test_card_type_and_product_plans(tree, positions):
    marketing = PositionFactory(organisation=tree["org"], code="marketing")
    card = PolicyCardTypeFactory(organisation=tree["org"])
    other_card = PolicyCardTypeFactory(organisation=tree["org"])
    catch_all = CommissionPlanFactory(position=marketing, kind="card", rate_percent=D("2"))
    on_card = CommissionPlanFactory(position=marketing, kind="card", card_type=card, rate_percent=D("4"))
    on_product = CommissionPlanFactory(position=marketing, kind="card", product=tree["r001"])
    org, on = tree["org"].pk, datetime.date(2026, 5, 1)
    for card_type, expected in ((card, on_card), (other_card, catch_all)):
        assert (
            selectors.commission_plan_for(
                organisation_id=org,
                kind="card",
                position_id=marketing.pk,
                card_type_id=card_type.pk,
                on_date=on,
            )
            == expected
        )
    assert (
        selectors.commission_plan_for(
            organisation_id=org, kind="card", position_id=marketing.pk, product_id=tree["r001"].pk, on_date=on
        )
        == on_product
    )
