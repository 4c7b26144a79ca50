"""Stock selectors (INV-03, INV-09, INV-10): exact on-hand quantities and values (Σ quantity ×
lot cost, rounded to the fen only at the end), the three views, shortage / overstock / expiry,
the movement history ("where did lot X go"), lots, and the data scope per branch and department."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medspa.accounts.choices import DataScope
from medspa.core.errors import NotFound, ValidationError
from medspa.core.money import quantize
from medspa.inventory import stock_selectors as selectors
from medspa.inventory.ledger import verify
from tests.factories import BranchFactory, OrganisationFactory
from tests.inventory.factories import ItemFactory, WarehouseFactory
from tests.inventory.test_stock_support import (  # noqa: F401  (clear_cache is a fixture)
    D,
    add_levels,
    build_world,
    clear_cache,
    days,
    department_user,
    issue,
    receive,
    stock_user,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(branch, other_branch):
    return build_world(branch, other_branch)


@pytest.fixture
def keeper(world):
    """The main branch's storekeeper (branch scope)."""
    return stock_user(world.branch, username="keeper")


@pytest.fixture
def director(world):
    return stock_user(
        world.branch, scope=DataScope.ORGANISATION, branches=[world.branch, world.east], username="boss"
    )


def rows(queryset, *fields):
    return [tuple(row[f] if isinstance(row, dict) else getattr(row, f) for f in fields) for row in queryset]


def rounded(queryset, quantity="on_hand"):
    return [(row[quantity], quantize(row["value"])) for row in queryset]


@pytest.mark.req("INV-09", "INV-10")
def test_balances_are_the_rows_with_stock_valued_at_lot_cost(world, keeper):
    result = selectors.balances_for(keeper)
    assert [
        (b.warehouse.code, b.item.code, b.lot.batch_no, b.lot.unit_cost, b.quantity, b.value) for b in result
    ] == [
        ("C01", "BT01", "BTX-01", D("800.0000"), D("3.000"), D("2400.0000000")),
        ("C01", "HA01", "HA-2402", D("2.3333"), D("30.000"), D("69.9990000")),
        ("C01", "HA01", "HA-2401", D("1.5000"), D("80.000"), D("120.0000000")),
        ("C01", "HA01", "HA-2401", D("1.6000"), D("10.000"), D("16.0000000")),
        ("D01", "HA01", "HA-2399", D("1.0000"), D("2.000"), D("2.0000000")),
        ("D01", "HA01", "HA-2401", D("1.5000"), D("15.000"), D("22.5000000")),
        ("D02", "GZ01", "", D("0.1251"), D("50.000"), D("6.2550000")),
    ]
    assert verify() == []


@pytest.mark.req("INV-09", "INV-10")
def test_a_balance_emptied_by_a_move_is_not_listed(world, keeper):
    issue(world.poster, world.central, world.btx1, "3")
    assert [b.item.code for b in selectors.balances_for(keeper, warehouse_id=world.central.pk)] == [
        "HA01"
    ] * 3


@pytest.mark.req("INV-09", "INV-10")
def test_on_hand_by_item_warehouse_and_lot(world, keeper):
    by_item = selectors.on_hand(keeper, group_by="item")
    assert rows(by_item, "item__code", "item__base_unit") == [("BT01", "支"), ("GZ01", "包"), ("HA01", "支")]
    assert rounded(by_item) == [(D("3"), D("2400.00")), (D("50"), D("6.26")), (D("137"), D("230.50"))]

    by_warehouse = selectors.on_hand(keeper, group_by="warehouse")
    assert rows(by_warehouse, "warehouse__code", "item__code") == [
        ("C01", "BT01"),
        ("C01", "HA01"),
        ("D01", "HA01"),
        ("D02", "GZ01"),
    ]
    assert rounded(by_warehouse) == [
        (D("3"), D("2400.00")),
        (D("120"), D("206.00")),
        (D("17"), D("24.50")),
        (D("50"), D("6.26")),
    ]

    by_lot = selectors.on_hand(keeper, group_by="lot")
    assert rows(by_lot, "item__code", "lot__batch_no", "lot__unit_cost", "lot__expiry_date") == [
        ("BT01", "BTX-01", D("800.0000"), days(-5)),
        ("GZ01", "", D("0.1251"), None),
        ("HA01", "HA-2399", D("1.0000"), today()),
        ("HA01", "HA-2402", D("2.3333"), days(30)),
        ("HA01", "HA-2401", D("1.5000"), days(200)),
        ("HA01", "HA-2401", D("1.6000"), days(200)),
    ]
    assert rounded(by_lot) == [
        (D("3"), D("2400.00")),
        (D("50"), D("6.26")),
        (D("2"), D("2.00")),
        (D("30"), D("70.00")),
        (D("95"), D("142.50")),
        (D("10"), D("16.00")),
    ]
    with pytest.raises(ValidationError) as caught:
        selectors.on_hand(keeper, group_by="bin")  # type: ignore[arg-type]
    assert caught.value.field == "group_by"


@pytest.mark.req("INV-10")
def test_the_total_value_is_the_exact_sum_rounded_once(world, keeper):
    """Σ quantity × lot cost = 2636.754 → ¥2636.75 (rounding each row first would give 2636.76);
    the rows count in 支 and 包, so there is no total quantity."""
    for group_by in ("item", "warehouse", "lot"):
        totals = selectors.stock_totals(selectors.on_hand(keeper, group_by=group_by))
        assert (totals.value, totals.unit) == (D("2636.75"), None), group_by
    totals = selectors.stock_totals(selectors.balances_for(keeper))
    assert (totals.rows, totals.value, totals.unit) == (7, D("2636.75"), None)
    only_ha = selectors.stock_totals(selectors.on_hand(keeper, group_by="lot", item_id=world.ha.pk))
    assert (only_ha.rows, only_ha.quantity, only_ha.unit, only_ha.value) == (
        4,
        D("137.000"),
        "支",
        D("230.50"),
    )
    empty = selectors.stock_totals(selectors.on_hand(keeper, group_by="item", q="没有这个"))
    assert (empty.rows, empty.quantity, empty.value, empty.unit) == (0, D("0.000"), D("0.00"), None)


@pytest.mark.req("INV-09")
def test_filters(world, keeper):
    def codes(**filters):
        return rows(
            selectors.on_hand(keeper, group_by="warehouse", **filters), "warehouse__code", "item__code"
        )

    assert codes(warehouse_id=world.beauty.pk) == [("D01", "HA01")]
    assert codes(category_id=world.drugs.pk) == [
        ("C01", "BT01"),
        ("C01", "HA01"),
        ("D01", "HA01"),
    ]  # with 填充剂
    assert codes(category_id=world.fillers.pk) == [("C01", "HA01"), ("D01", "HA01")]
    assert codes(category_id=world.consumables.pk) == [("D02", "GZ01")]
    assert codes(category_id=-1) == []
    assert codes(q="bns") == [("C01", "HA01"), ("D01", "HA01")]  # pinyin initials of 玻尿酸
    assert codes(q="肉毒") == [("C01", "BT01")]
    assert codes(q="gz01") == [("D02", "GZ01")]
    assert codes(q="HA-2399") == [("D01", "HA01")]  # batch no
    assert codes(owner="consignment") == [("D02", "GZ01")]
    assert codes(owner=world.supplier.pk) == [("D02", "GZ01")]
    assert codes(owner="own") == [("C01", "BT01"), ("C01", "HA01"), ("D01", "HA01")]
    assert codes(item_id=world.btx.pk) == [("C01", "BT01")]
    assert codes(lot_id=world.ha0.pk) == [("D01", "HA01")]


@pytest.mark.req("INV-09", "PLT-05")
def test_data_scope(world, keeper, director):
    dept = department_user(world)
    assert rows(selectors.on_hand(dept, group_by="warehouse"), "warehouse__code", "on_hand") == [
        ("D01", D("17.000"))
    ]
    assert {b.warehouse.code for b in selectors.balances_for(dept)} == {"D01"}
    by_item = selectors.on_hand(director, group_by="item")
    assert rounded(by_item) == [(D("3"), D("2400.00")), (D("50"), D("6.26")), (D("147"), D("245.50"))]
    east_keeper = stock_user(world.east, username="eastkeeper")
    assert rows(selectors.on_hand(east_keeper, group_by="warehouse"), "warehouse__code", "on_hand") == [
        ("E01", D("10.000"))
    ]
    own_scope = stock_user(world.branch, scope=DataScope.OWN, username="own")
    assert list(selectors.balances_for(own_scope)) == []
    foreign = stock_user(BranchFactory(organisation=OrganisationFactory(code="far")), username="far")
    assert list(selectors.on_hand(foreign, group_by="item")) == []
    assert list(selectors.moves_for(foreign)) == []
    assert list(selectors.lots_for(foreign)) == []
    assert [w.code for w in selectors.stock_warehouse_choices(dept)] == ["D01"]
    assert [w.code for w in selectors.stock_warehouse_choices(keeper)] == ["C01", "D01", "D02"]


@pytest.mark.req("INV-09")
def test_shortages_and_overstocks(world, keeper, director):
    add_levels(world)
    short = selectors.shortages(keeper)
    assert [(lv.warehouse.code, lv.item.code, lv.on_hand, lv.missing) for lv in short] == [
        ("C01", "HA01", D("120.000"), D("80.000")),
        ("D01", "BT01", D("0"), D("5.000")),  # a level and no stock at all
    ]
    over = selectors.overstocks(keeper)
    assert [(lv.warehouse.code, lv.item.code, lv.on_hand, lv.excess) for lv in over] == [
        ("C01", "BT01", D("3.000"), D("1.000"))
    ]
    assert [lv.warehouse.code for lv in selectors.shortages(director)] == ["C01", "D01", "E01"]
    assert [lv.item.code for lv in selectors.shortages(keeper, warehouse_id=world.beauty.pk)] == ["BT01"]
    assert [lv.item.code for lv in selectors.shortages(keeper, q="玻尿酸")] == ["HA01"]
    assert [lv.item.code for lv in selectors.shortages(keeper, category_id=world.fillers.pk)] == ["HA01"]
    assert [lv.warehouse.code for lv in selectors.shortages(department_user(world))] == ["D01"]
    world.btx.is_active = False
    world.btx.save(update_fields=["is_active"])
    assert [lv.item.code for lv in selectors.shortages(keeper)] == ["HA01"]
    assert list(selectors.overstocks(keeper)) == []


@pytest.mark.req("INV-03", "INV-09")
def test_near_expiry_and_expired(world, keeper):
    near = selectors.near_expiry(keeper)  # default 90 days
    assert [(b.warehouse.code, b.lot.batch_no, b.quantity) for b in near] == [
        ("D01", "HA-2399", D("2.000")),  # expires today: 0 days left, still near expiry
        ("C01", "HA-2402", D("30.000")),
    ]
    totals = selectors.stock_totals(near)
    assert (totals.quantity, totals.unit, totals.value) == (D("32.000"), "支", D("72.00"))
    assert [b.lot.batch_no for b in selectors.near_expiry(keeper, 29)] == ["HA-2399"]
    assert [b.lot.batch_no for b in selectors.near_expiry(keeper, 200)] == [
        "HA-2399",
        "HA-2402",
        "HA-2401",
        "HA-2401",
        "HA-2401",
    ]
    assert [(b.lot.batch_no, b.quantity, quantize(b.value)) for b in selectors.expired(keeper)] == [
        ("BTX-01", D("3.000"), D("2400.00"))
    ]
    assert [b.lot.batch_no for b in selectors.near_expiry(department_user(world))] == ["HA-2399"]
    assert list(selectors.expired(keeper, warehouse_id=world.beauty.pk)) == []
    with pytest.raises(ValidationError):
        selectors.near_expiry(keeper, -1)


@pytest.mark.req("INV-03", "INV-09")
def test_near_expiry_follows_the_parameter(world, keeper):
    from medspa.configuration.models import ParameterValue

    ParameterValue.objects.create(
        organisation=world.branch.organisation,
        branch=world.branch,
        key="inventory.near_expiry_days",
        value=10,
    )
    from django.core.cache import cache

    cache.clear()
    assert selectors.near_expiry_days(keeper) == 10
    assert [b.lot.batch_no for b in selectors.near_expiry(keeper)] == ["HA-2399"]


@pytest.mark.req("INV-09", "INV-10")
def test_movement_history(world, keeper, director):
    moves = selectors.moves_for(keeper)
    assert [
        (m.document_number, m.warehouse.code, m.lot.batch_no, m.quantity, m.move_type) for m in moves
    ] == [
        ("T-7", "D01", "HA-2399", D("2.000"), "receipt"),
        ("T-6", "C01", "HA-2401", D("10.000"), "receipt"),
        ("T-5", "D01", "HA-2401", D("-5.000"), "usage"),
        ("T-3", "D02", "", D("50.000"), "receipt"),
        ("T-2", "D01", "HA-2401", D("20.000"), "transfer_in"),
        ("T-2", "C01", "HA-2401", D("-20.000"), "transfer_out"),
        ("T-1", "C01", "BTX-01", D("3.000"), "receipt"),
        ("T-1", "C01", "HA-2402", D("30.000"), "receipt"),
        ("T-1", "C01", "HA-2401", D("100.000"), "receipt"),
    ]
    assert [(m.unit_cost, m.actor) for m in moves[:1]] == [(D("1.0000"), world.poster)]
    assert [quantize(m.value) for m in selectors.moves_for(keeper, document_number="T-7")] == [D("2.00")]
    # where did lot HA-2401 go: every cost layer, every warehouse in scope
    went = selectors.moves_for(director, batch_no="HA-2401")
    assert sorted((m.warehouse.code, m.quantity) for m in went) == [
        ("C01", D("-20.000")),
        ("C01", D("10.000")),
        ("C01", D("100.000")),
        ("D01", D("-5.000")),
        ("D01", D("20.000")),
        ("E01", D("10.000")),
    ]
    assert selectors.moves_for(keeper, batch_no="HA-2401").count() == 5
    assert selectors.moves_for(keeper, direction="in").count() == 7
    assert [m.quantity for m in selectors.moves_for(keeper, direction="out")] == [D("-5.000"), D("-20.000")]
    assert selectors.moves_for(keeper, move_type="transfer_in").get().warehouse == world.beauty
    assert selectors.moves_for(keeper, date_from=today()).count() == 3
    assert selectors.moves_for(keeper, date_to=days(-1)).count() == 6
    assert selectors.moves_for(keeper, date_from=days(-2), date_to=days(-2)).count() == 2
    assert selectors.moves_for(keeper, item_id=world.gauze.pk).get().owner == world.supplier
    assert selectors.moves_for(keeper, lot_id=world.ha1b.pk).get().quantity == D("10.000")
    assert selectors.moves_for(keeper, q="bns").count() == 7
    assert selectors.moves_for(keeper, warehouse_id=world.east_wh.pk).count() == 0
    assert [m.quantity for m in selectors.moves_for(department_user(world))] == [D("2"), D("-5"), D("20")]
    with pytest.raises(ValidationError) as caught:
        selectors.moves_for(keeper, date_from=today(), date_to=days(-1))
    assert caught.value.field == "date_from"


@pytest.mark.req("INV-03")
def test_lots_with_on_hand(world, keeper, director):
    lots = selectors.lots_for(keeper, item_id=world.ha.pk)
    assert [(lt.batch_no, lt.unit_cost, lt.on_hand, quantize(lt.value)) for lt in lots] == [
        ("HA-2399", D("1.0000"), D("2.000"), D("2.00")),
        ("HA-2402", D("2.3333"), D("30.000"), D("70.00")),
        ("HA-2401", D("1.5000"), D("95.000"), D("142.50")),
        ("HA-2401", D("1.6000"), D("10.000"), D("16.00")),
    ]
    assert selectors.lot_get_for(director, world.ha1.pk).on_hand == D("105.000")
    assert selectors.lot_get_for(department_user(world), world.ha1.pk).on_hand == D("15.000")
    assert [lt.batch_no for lt in selectors.lots_for(keeper, batch_no="2401")] == ["HA-2401", "HA-2401"]
    assert [lt.batch_no for lt in selectors.lots_for(keeper, expiring_within=30)] == ["HA-2399", "HA-2402"]
    assert selectors.lots_for(keeper).count() == 6
    # a lot used up is still a lot, with nothing on hand
    issue(world.poster, world.beauty, world.ha0, "2")
    assert selectors.lot_get_for(keeper, world.ha0.pk).on_hand == D("0")
    foreign = ItemFactory(organisation=OrganisationFactory(code="far"))
    foreign_lot = foreign.lots.create(batch_no="X", unit_cost=D("1"))
    for pk in (foreign_lot.pk, -1):
        with pytest.raises(NotFound):
            selectors.lot_get_for(keeper, pk)


@pytest.mark.req("INV-09")
def test_on_hand_reads_the_balances_not_the_moves(world, keeper, django_assert_num_queries):
    """One query for a page of the aggregated view, whatever the number of moves."""
    warehouse = WarehouseFactory(branch=world.branch, code="C09", name="大库")
    for _ in range(20):
        receive(world.poster, warehouse, world.ha1, "1")
    keeper = stock_user(world.branch, username="keeper2")
    selectors.on_hand(keeper, group_by="item").count()  # warm the scope caches
    with django_assert_num_queries(1) as context:
        list(selectors.on_hand(keeper, group_by="lot"))
    sql = context.captured_queries[0]["sql"].lower()
    assert "inventory_stockbalance" in sql
    assert "inventory_stockmove" not in sql
    assert sum(row["on_hand"] for row in selectors.on_hand(keeper, group_by="item")) == Decimal("210.000")
