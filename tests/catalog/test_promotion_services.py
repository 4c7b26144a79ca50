"""Promotion services (MKT-03): each kind created with exact values, every refusal with a clear
message on its field and nothing written, change, deactivate and copy, permissions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from medspa.audit.models import AuditEvent
from medspa.catalog import promotion_services as services
from medspa.catalog.models import Promotion, PromotionTarget
from medspa.core.errors import NotFound, PermissionDenied, ValidationError
from tests.catalog.promotion_factories import (
    SHANGHAI,
    PromoCategoryFactory,
    PromoProjectFactory,
    PromotionFactory,
    catalog_rows,
    promotion_user,
    state,
)
from tests.customers.factories import MemberLevelFactory
from tests.factories import BranchFactory, OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("MKT-03")]

T = services.TargetInput
START = datetime.datetime(2026, 5, 1, 0, 0, tzinfo=SHANGHAI)
END = datetime.datetime(2026, 8, 1, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def manager(branch):
    return promotion_user(branch, username="market")


@pytest.fixture
def rows(branch):
    return catalog_rows(branch.organisation)


def spend_save(branch, rows, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": "M5000",
        "name": "满5000减500",
        "kind": "spend_save",
        "starts_at": START,
        "ends_at": END,
        "branch_ids": [branch.pk],
        "threshold_amount": Decimal("5000"),
        "discount_amount": Decimal("500"),
        "is_repeatable": True,
        "priority": 10,
        "targets": [
            T(role="scope", category_id=rows["inj"].pk),
            T(role="scope", category_id=rows["skin"].pk),
        ],
    }
    return {**values, **overrides}


def percent(branch, rows, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": "LASER80",
        "name": "光电 8 折",
        "kind": "category_percent",
        "starts_at": START,
        "ends_at": END,
        "branch_ids": [branch.pk],
        "discount_percent": Decimal("80"),
        "targets": [T(role="scope", category_id=rows["laser"].pk)],
    }
    return {**values, **overrides}


def bundle(branch, rows, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": "B2500",
        "name": "水光+光子",
        "kind": "bundle",
        "starts_at": START,
        "ends_at": END,
        "branch_ids": [branch.pk],
        "bundle_price": Decimal("2500"),
        "targets": [
            T(role="bundle", project_id=rows["p003"].pk, quantity=1),
            T(role="bundle", project_id=rows["p004"].pk, quantity=1),
        ],
    }
    return {**values, **overrides}


def buy_get(branch, rows, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": "B3G1",
        "name": "小气泡买 3 送 1",
        "kind": "buy_get",
        "starts_at": START,
        "ends_at": END,
        "branch_ids": [branch.pk],
        "buy_quantity": 3,
        "get_quantity": 1,
        "targets": [T(role="buy", project_id=rows["p007"].pk), T(role="get", project_id=rows["p007"].pk)],
    }
    return {**values, **overrides}


def targets_of(promotion: Promotion) -> list[tuple[str, int | None, int | None, int | None, int | None, int]]:
    return list(
        promotion.targets.order_by("pk").values_list(
            "role", "project_id", "product_id", "package_id", "category_id", "quantity"
        )
    )


# --- creating each kind --------------------------------------------------------------------------------


def test_create_spend_save(manager, branch, other_branch, rows):
    promotion = services.promotion_create(
        actor=manager,
        **spend_save(
            branch,
            rows,
            branch_ids=[other_branch.pk, branch.pk],
            member_level_ids=[rows["gold"].pk],
            new_customers_only=True,
            is_exclusive=True,
            description="五月活动",
        ),
    )
    stored = Promotion.objects.get()
    assert stored == promotion
    assert (
        stored.organisation_id,
        stored.code,
        stored.name,
        stored.kind,
        stored.starts_at,
        stored.ends_at,
        stored.threshold_amount,
        stored.discount_amount,
        stored.is_repeatable,
        stored.discount_percent,
        stored.bundle_price,
        stored.buy_quantity,
        stored.get_quantity,
        stored.priority,
        stored.is_exclusive,
        stored.new_customers_only,
        stored.description,
        stored.is_active,
        stored.created_by,
    ) == (
        branch.organisation_id,
        "M5000",
        "满5000减500",
        "spend_save",
        START,
        END,
        Decimal("5000.00"),
        Decimal("500.00"),
        True,
        None,
        None,
        None,
        None,
        10,
        True,
        True,
        "五月活动",
        True,
        manager,
    )
    assert sorted(stored.branches.values_list("pk", flat=True)) == sorted([branch.pk, other_branch.pk])
    assert list(stored.member_levels.values_list("pk", flat=True)) == [rows["gold"].pk]
    assert targets_of(stored) == [
        ("scope", None, None, None, rows["inj"].pk, 1),
        ("scope", None, None, None, rows["skin"].pk, 1),
    ]
    event = AuditEvent.objects.get(module="catalog")
    assert (event.action, event.object_id, event.organisation_id) == (
        "create",
        str(stored.pk),
        branch.organisation_id,
    )
    assert event.changes["code"] == [None, "M5000"]
    assert event.changes["targets"] == [
        None,
        sorted([f"scope:category:{rows['inj'].pk}×1", f"scope:category:{rows['skin'].pk}×1"]),
    ]


def test_create_category_percent(manager, branch, rows):
    promotion = services.promotion_create(actor=manager, **percent(branch, rows, discount_percent="85.5"))
    stored = Promotion.objects.get(pk=promotion.pk)
    assert (stored.kind, stored.discount_percent, stored.threshold_amount, stored.is_repeatable) == (
        "category_percent",
        Decimal("85.50"),
        None,
        False,
    )
    assert targets_of(stored) == [("scope", None, None, None, rows["laser"].pk, 1)]


def test_create_bundle_with_each_component_type(manager, branch, rows):
    promotion = services.promotion_create(
        actor=manager,
        **bundle(
            branch,
            rows,
            bundle_price="4000",
            targets=[
                T(role="bundle", project_id=rows["p003"].pk, quantity=2),
                T(role="bundle", product_id=rows["r001"].pk, quantity=1),
                T(role="bundle", package_id=rows["k001"].pk, quantity=1),
            ],
        ),
    )
    stored = Promotion.objects.get(pk=promotion.pk)
    assert stored.bundle_price == Decimal("4000.00")
    assert targets_of(stored) == [
        ("bundle", rows["p003"].pk, None, None, None, 2),
        ("bundle", None, rows["r001"].pk, None, None, 1),
        ("bundle", None, None, rows["k001"].pk, None, 1),
    ]


def test_create_buy_get(manager, branch, rows):
    promotion = services.promotion_create(actor=manager, **buy_get(branch, rows))
    stored = Promotion.objects.get(pk=promotion.pk)
    assert (stored.buy_quantity, stored.get_quantity) == (3, 1)
    assert targets_of(stored) == [
        ("buy", rows["p007"].pk, None, None, None, 1),
        ("get", rows["p007"].pk, None, None, None, 1),
    ]


# --- refusals: clear message on the field, nothing written --------------------------------------------


def _refusals(branch, other_branch, rows, foreign) -> list[tuple[str, dict[str, Any], str, str]]:
    """(builder, overrides, field, English message)"""
    inactive_branch = BranchFactory(
        organisation=branch.organisation, code="closed", name="旧店", is_active=False
    )
    inactive_project = PromoProjectFactory(organisation=branch.organisation, name="停售项目", is_active=False)
    inactive_level = MemberLevelFactory(organisation=branch.organisation, name="旧级别", is_active=False)
    naive = datetime.datetime(2026, 5, 1)  # noqa: DTZ001 - the refusal under test
    scope_inj = T(role="scope", category_id=rows["inj"].pk)
    return [
        ("spend_save", {"code": "m5000"}, "code", "Promotion code m5000 is already in use."),
        (
            "spend_save",
            {"code": "满减"},
            "code",
            "The code may contain only letters, digits, hyphens and underscores.",
        ),
        ("spend_save", {"code": " "}, "code", "Enter the code."),
        ("spend_save", {"name": ""}, "name", "Enter the name."),
        (
            "spend_save",
            {"kind": "lottery"},
            "kind",
            "Choose the kind: bundle, spend_save, category_percent, buy_get.",
        ),
        ("spend_save", {"ends_at": START}, "ends_at", "The end must be after the start."),
        (
            "spend_save",
            {"ends_at": START - datetime.timedelta(minutes=1)},
            "ends_at",
            "The end must be after the start.",
        ),
        (
            "spend_save",
            {"starts_at": naive},
            "starts_at",
            "Give the start with its time zone, for example 2026-05-01T00:00+08:00.",
        ),
        ("spend_save", {"starts_at": None}, "starts_at", "Enter the start."),
        (
            "spend_save",
            {"starts_at": datetime.datetime(1999, 12, 31, 23, 59, tzinfo=SHANGHAI)},
            "starts_at",
            "The start must lie between the years 2000 and 2999.",
        ),
        (
            "spend_save",
            {"ends_at": datetime.datetime(3000, 1, 1, tzinfo=SHANGHAI)},
            "ends_at",
            "The end must lie between the years 2000 and 2999.",
        ),
        ("spend_save", {"threshold_amount": "1E+30"}, "threshold_amount", "The amount is too large."),
        ("spend_save", {"branch_ids": []}, "branches", "Choose at least one branch."),
        ("spend_save", {"branch_ids": [foreign["branch"].pk]}, "branches", "That branch does not exist."),
        ("spend_save", {"branch_ids": [branch.pk, -1]}, "branches", "That branch does not exist."),
        ("spend_save", {"branch_ids": [inactive_branch.pk]}, "branches", "Branch 旧店 is deactivated."),
        (
            "spend_save",
            {"member_level_ids": [foreign["level"].pk]},
            "member_levels",
            "That member level does not exist.",
        ),
        (
            "spend_save",
            {"member_level_ids": [inactive_level.pk]},
            "member_levels",
            "Member level 旧级别 is deactivated.",
        ),
        ("spend_save", {"priority": -1}, "priority", "The priority must be a whole number from 0 to 9999."),
        (
            "spend_save",
            {"priority": 10000},
            "priority",
            "The priority must be a whole number from 0 to 9999.",
        ),
        ("spend_save", {"threshold_amount": None}, "threshold_amount", "Enter the threshold."),
        (
            "spend_save",
            {"threshold_amount": 0},
            "threshold_amount",
            "The threshold must be greater than zero.",
        ),
        (
            "spend_save",
            {"threshold_amount": "abc"},
            "threshold_amount",
            "Enter a valid amount, for example 1234.50.",
        ),
        ("spend_save", {"discount_amount": None}, "discount_amount", "Enter the saving."),
        ("spend_save", {"discount_amount": "-5"}, "discount_amount", "The saving must be greater than zero."),
        (
            "spend_save",
            {"discount_amount": 5000},
            "discount_amount",
            "The saving must be less than the threshold.",
        ),
        (
            "spend_save",
            {"discount_amount": 6000},
            "discount_amount",
            "The saving must be less than the threshold.",
        ),
        (
            "spend_save",
            {"targets": []},
            "targets",
            "Add at least one project, product, package or category the promotion applies to.",
        ),
        (
            "spend_save",
            {"discount_percent": 80},
            "discount_percent",
            "Only “Percent off” promotions have this; leave it empty.",
        ),
        (
            "spend_save",
            {"bundle_price": 100},
            "bundle_price",
            "Only “Bundle at a special price” promotions have this; leave it empty.",
        ),
        (
            "spend_save",
            {"buy_quantity": 3},
            "buy_quantity",
            "Only “Buy X get Y free” promotions have this; leave it empty.",
        ),
        (
            "category_percent",
            {"threshold_amount": 1},
            "threshold_amount",
            "Only “Spend X save Y” promotions have this; leave it empty.",
        ),
        (
            "category_percent",
            {"is_repeatable": True},
            "is_repeatable",
            "Only “Spend X save Y” promotions have this; leave it empty.",
        ),
        (
            "spend_save",
            {"targets": [T(role="bundle", category_id=rows["inj"].pk)]},
            "targets.0.role",
            "Row 1: a “Spend X save Y” promotion has no “Bundle component” targets.",
        ),
        (
            "spend_save",
            {"targets": [T(role="gift", category_id=rows["inj"].pk)]},
            "targets.0.role",
            "Row 1: choose what the target is for.",
        ),
        (
            "spend_save",
            {"targets": [T(role="scope")]},
            "targets.0.target",
            "Row 1: choose one project, product, package or category.",
        ),
        (
            "spend_save",
            {"targets": [T(role="scope", project_id=rows["p003"].pk, category_id=rows["inj"].pk)]},
            "targets.0.target",
            "Row 1: choose one project, product, package or category.",
        ),
        (
            "spend_save",
            {"targets": [scope_inj, T(role="scope", project_id=foreign["project"].pk)]},
            "targets.1.project",
            "Row 2: that target does not exist.",
        ),
        (
            "spend_save",
            {"targets": [T(role="scope", category_id=foreign["category"].pk)]},
            "targets.0.category",
            "Row 1: that target does not exist.",
        ),
        (
            "spend_save",
            {"targets": [T(role="scope", project_id=inactive_project.pk)]},
            "targets.0.project",
            "Row 1: 停售项目 is deactivated.",
        ),
        (
            "spend_save",
            {"targets": [scope_inj, scope_inj]},
            "targets.1.category",
            "Row 2: 注射美容 is listed twice.",
        ),
        (
            "spend_save",
            {"targets": [T(role="scope", category_id=rows["inj"].pk, quantity=2)]},
            "targets.0.quantity",
            "Row 1: only bundle components have a quantity; leave it at 1.",
        ),
        (
            "category_percent",
            {"discount_percent": None},
            "discount_percent",
            "Enter the share of the price the customer pays, e.g. 80.",
        ),
        (
            "category_percent",
            {"discount_percent": 0},
            "discount_percent",
            "The customer pays more than 0 and less than 100 percent of the price (80 means 20 percent off).",
        ),
        (
            "category_percent",
            {"discount_percent": 100},
            "discount_percent",
            "The customer pays more than 0 and less than 100 percent of the price (80 means 20 percent off).",
        ),
        (
            "category_percent",
            {"discount_percent": "80.125"},
            "discount_percent",
            "The share paid may have at most two decimal places.",
        ),
        (
            "category_percent",
            {"targets": []},
            "targets",
            "Add at least one project, product, package or category the promotion applies to.",
        ),
        (
            "bundle",
            {"targets": [T(role="bundle", project_id=rows["p003"].pk)]},
            "targets",
            "A bundle needs at least two components.",
        ),
        ("bundle", {"targets": []}, "targets", "A bundle needs at least two components."),
        (
            "bundle",
            {
                "targets": [
                    T(role="bundle", project_id=rows["p003"].pk),
                    T(role="bundle", project_id=rows["p003"].pk, quantity=2),
                ]
            },
            "targets.1.project",
            "Row 2: 水光针 is listed twice.",
        ),
        (
            "bundle",
            {
                "targets": [
                    T(role="bundle", project_id=rows["p003"].pk, quantity=0),
                    T(role="bundle", project_id=rows["p004"].pk),
                ]
            },
            "targets.0.quantity",
            "Row 1: the quantity must be a whole number from 1 to 999.",
        ),
        (
            "bundle",
            {
                "targets": [
                    T(role="bundle", category_id=rows["inj"].pk),
                    T(role="bundle", project_id=rows["p004"].pk),
                ]
            },
            "targets.0.category",
            "Row 1: a bundle component is a project, product or package.",
        ),
        (
            "bundle",
            {"targets": [T(role="scope", project_id=rows["p003"].pk)]},
            "targets.0.role",
            "Row 1: a “Bundle at a special price” promotion has no “Applies to” targets.",
        ),
        ("bundle", {"bundle_price": None}, "bundle_price", "Enter the bundle price."),
        ("bundle", {"bundle_price": 0}, "bundle_price", "The bundle price must be greater than zero."),
        (
            "bundle",
            {"bundle_price": "2960"},
            "bundle_price",
            "The bundle price must be below the components' list value of ¥2,960.00.",
        ),
        (
            "bundle",
            {"bundle_price": "3000"},
            "bundle_price",
            "The bundle price must be below the components' list value of ¥2,960.00.",
        ),
        (
            "buy_get",
            {"targets": [T(role="get", project_id=rows["p007"].pk)]},
            "targets",
            "Add at least one target the customer buys.",
        ),
        (
            "buy_get",
            {"targets": [T(role="buy", project_id=rows["p007"].pk)]},
            "targets",
            "Add at least one target the customer gets free.",
        ),
        (
            "buy_get",
            {"buy_quantity": 0},
            "buy_quantity",
            "The quantity to buy must be a whole number from 1 to 999.",
        ),
        ("buy_get", {"buy_quantity": None}, "buy_quantity", "Enter the quantity to buy."),
        (
            "buy_get",
            {"get_quantity": 0},
            "get_quantity",
            "The quantity given free must be a whole number from 1 to 999.",
        ),
        (
            "buy_get",
            {"targets": [T(role="scope", project_id=rows["p007"].pk)]},
            "targets.0.role",
            "Row 1: a “Buy X get Y free” promotion has no “Applies to” targets.",
        ),
    ]


BUILDERS = {"spend_save": spend_save, "category_percent": percent, "bundle": bundle, "buy_get": buy_get}


def test_every_refusal_names_its_field_and_writes_nothing(manager, branch, other_branch, rows):
    services.promotion_create(actor=manager, **spend_save(branch, rows, code="M5000"))
    foreign_org = OrganisationFactory()
    foreign = {
        "branch": BranchFactory(organisation=foreign_org),
        "level": MemberLevelFactory(organisation=foreign_org),
        "project": PromoProjectFactory(organisation=foreign_org),
        "category": PromoCategoryFactory(organisation=foreign_org),
    }
    cases = _refusals(branch, other_branch, rows, foreign)
    before = state()
    for builder, overrides, field, message in cases:
        values = BUILDERS[builder](branch, rows, **{"code": "NEW", **overrides})
        with translation.override("en"), pytest.raises(ValidationError) as caught:
            services.promotion_create(actor=manager, **values)
        assert (caught.value.field, caught.value.message) == (field, message), (builder, overrides)
        assert state() == before, (builder, overrides)


def test_permission_and_organisation_are_checked_first(branch, rows):
    before = state()
    for perms in ([], ["catalog.view_promotion", "catalog.change_promotion"]):
        with pytest.raises(PermissionDenied):
            services.promotion_create(actor=promotion_user(branch, perms), **spend_save(branch, rows))
    assert state() == before


# --- change, deactivate, copy --------------------------------------------------------------------------


def test_update_keeps_unchanged_target_rows_and_replaces_the_rest(manager, branch, other_branch, rows):
    promotion = services.promotion_create(actor=manager, **spend_save(branch, rows))
    kept = promotion.targets.get(category=rows["inj"])
    services.promotion_update(
        actor=manager,
        promotion_id=promotion.pk,
        **spend_save(
            branch,
            rows,
            name="满5000减600",
            discount_amount="600",
            branch_ids=[other_branch.pk],
            targets=[
                T(role="scope", category_id=rows["inj"].pk),
                T(role="scope", project_id=rows["p004"].pk),
            ],
        ),
    )
    stored = Promotion.objects.get()
    assert (stored.name, stored.discount_amount, stored.updated_by) == (
        "满5000减600",
        Decimal("600.00"),
        manager,
    )
    assert list(stored.branches.values_list("pk", flat=True)) == [other_branch.pk]
    assert targets_of(stored) == [
        ("scope", None, None, None, rows["inj"].pk, 1),
        ("scope", rows["p004"].pk, None, None, None, 1),
    ]
    assert stored.targets.get(category=rows["inj"]).pk == kept.pk
    event = AuditEvent.objects.filter(module="catalog").latest("pk")
    assert event.action == "update"
    assert event.changes["discount_amount"] == ["500.00", "600.00"]
    assert event.changes["branches"] == [[branch.pk], [other_branch.pk]]


def test_update_may_keep_what_was_deactivated_since_but_not_add_it(manager, branch, rows):
    promotion = services.promotion_create(
        actor=manager,
        **spend_save(
            branch,
            rows,
            member_level_ids=[rows["gold"].pk],
            targets=[T(role="scope", project_id=rows["p003"].pk)],
        ),
    )
    for obj in (rows["p003"], rows["gold"], branch, rows["p004"]):
        type(obj).objects.filter(pk=obj.pk).update(is_active=False)
    values = spend_save(
        branch,
        rows,
        member_level_ids=[rows["gold"].pk],
        targets=[T(role="scope", project_id=rows["p003"].pk)],
    )
    services.promotion_update(actor=manager, promotion_id=promotion.pk, **{**values, "priority": 11})
    assert Promotion.objects.get().priority == 11
    before = state()
    values["targets"] = [
        T(role="scope", project_id=rows["p003"].pk),
        T(role="scope", project_id=rows["p004"].pk),
    ]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.promotion_update(actor=manager, promotion_id=promotion.pk, **values)
    assert (caught.value.field, caught.value.message) == (
        "targets.1.project",
        "Row 2: 光子嫩肤 is deactivated.",
    )
    assert state() == before


def test_update_changes_the_kind_and_clears_the_old_rule(manager, branch, rows):
    promotion = services.promotion_create(actor=manager, **spend_save(branch, rows))
    services.promotion_update(actor=manager, promotion_id=promotion.pk, **percent(branch, rows, code="M5000"))
    stored = Promotion.objects.get()
    assert (
        stored.kind,
        stored.threshold_amount,
        stored.discount_amount,
        stored.is_repeatable,
        stored.discount_percent,
    ) == (
        "category_percent",
        None,
        None,
        False,
        Decimal("80.00"),
    )
    assert targets_of(stored) == [("scope", None, None, None, rows["laser"].pk, 1)]


def test_update_refusals_write_nothing(manager, branch, rows):
    promotion = services.promotion_create(actor=manager, **spend_save(branch, rows))
    services.promotion_create(actor=manager, **percent(branch, rows))
    foreign = PromotionFactory()
    before = state()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.promotion_update(
            actor=manager, promotion_id=promotion.pk, **spend_save(branch, rows, code="laser80")
        )
    assert (caught.value.field, caught.value.message) == ("code", "Promotion code laser80 is already in use.")
    with pytest.raises(ValidationError):
        services.promotion_update(
            actor=manager, promotion_id=promotion.pk, **spend_save(branch, rows, targets=[])
        )
    with pytest.raises(NotFound):
        services.promotion_update(
            actor=manager, promotion_id=foreign.pk, **spend_save(branch, rows, code="X")
        )
    with pytest.raises(NotFound):
        services.promotion_update(actor=manager, promotion_id=-1, **spend_save(branch, rows, code="X"))
    with pytest.raises(PermissionDenied):
        services.promotion_update(
            actor=promotion_user(branch, ["catalog.view_promotion", "catalog.add_promotion"]),
            promotion_id=promotion.pk,
            **spend_save(branch, rows),
        )
    assert state() == before


def test_deactivate_and_reactivate(manager, branch, rows):
    promotion = services.promotion_create(actor=manager, **spend_save(branch, rows))
    services.promotion_deactivate(actor=manager, promotion_id=promotion.pk)
    assert Promotion.objects.get().is_active is False
    count = AuditEvent.objects.filter(module="catalog", action="deactivate").count()
    services.promotion_deactivate(actor=manager, promotion_id=promotion.pk)  # no change, no event
    assert AuditEvent.objects.filter(module="catalog", action="deactivate").count() == count == 1
    services.promotion_update(
        actor=manager, promotion_id=promotion.pk, **spend_save(branch, rows), is_active=True
    )
    assert Promotion.objects.get().is_active is True


def test_deactivate_refusals(manager, branch, rows):
    promotion = services.promotion_create(actor=manager, **spend_save(branch, rows))
    foreign = PromotionFactory()
    before = state()
    with pytest.raises(PermissionDenied):
        services.promotion_deactivate(
            actor=promotion_user(branch, ["catalog.view_promotion", "catalog.change_promotion"]),
            promotion_id=promotion.pk,
        )
    for pk in (foreign.pk, -1):
        with pytest.raises(NotFound):
            services.promotion_deactivate(actor=manager, promotion_id=pk)
    assert state() == before


def test_copy_duplicates_rule_branches_levels_and_targets(manager, branch, other_branch, rows):
    source = services.promotion_create(
        actor=manager,
        **bundle(
            branch,
            rows,
            branch_ids=[branch.pk, other_branch.pk],
            member_level_ids=[rows["gold"].pk],
            priority=7,
        ),
    )
    services.promotion_deactivate(actor=manager, promotion_id=source.pk)
    later = datetime.datetime(2026, 9, 1, tzinfo=SHANGHAI)
    copy = services.promotion_copy(
        actor=manager,
        promotion_id=source.pk,
        code="B2500-09",
        starts_at=later,
        ends_at=later + datetime.timedelta(days=30),
    )
    stored = Promotion.objects.get(code="B2500-09")
    assert stored == copy
    assert (
        stored.name,
        stored.kind,
        stored.bundle_price,
        stored.priority,
        stored.is_active,
        stored.starts_at,
    ) == (
        "水光+光子",
        "bundle",
        Decimal("2500.00"),
        7,
        True,
        later,
    )
    assert sorted(stored.branches.values_list("pk", flat=True)) == sorted([branch.pk, other_branch.pk])
    assert list(stored.member_levels.values_list("pk", flat=True)) == [rows["gold"].pk]
    assert targets_of(stored) == targets_of(source)
    assert PromotionTarget.objects.count() == 4
    assert AuditEvent.objects.filter(module="catalog").latest("pk").message == "copy of B2500"


def test_copy_refusals_write_nothing(manager, branch, rows):
    source = services.promotion_create(actor=manager, **buy_get(branch, rows))
    foreign = PromotionFactory()
    before = state()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.promotion_copy(actor=manager, promotion_id=source.pk, code="b3g1")
    assert (caught.value.field, caught.value.message) == ("code", "Promotion code b3g1 is already in use.")
    type(rows["p007"]).objects.filter(pk=rows["p007"].pk).update(is_active=False)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.promotion_copy(actor=manager, promotion_id=source.pk, code="B3G1-2")
    assert (caught.value.field, caught.value.message) == (
        "targets.0.project",
        "Row 1: 小气泡清洁 is deactivated.",
    )
    with pytest.raises(NotFound):
        services.promotion_copy(actor=manager, promotion_id=foreign.pk, code="X")
    with pytest.raises(PermissionDenied):
        services.promotion_copy(
            actor=promotion_user(branch, ["catalog.view_promotion"]), promotion_id=source.pk, code="X"
        )
    assert state() == before
