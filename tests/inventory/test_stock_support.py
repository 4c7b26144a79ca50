"""Helpers shared by the stock query tests (INV-03, INV-09, INV-10); no tests of its own.

:func:`build_world` sets up two branches of one organisation with four warehouses and posts the
stock through the one ledger writer (``post_moves``). What each warehouse then holds:

=============  ============================  =====  ========  ============
warehouse      lot (item, batch, cost)       qty    value     expiry
=============  ============================  =====  ========  ============
中心库 C01     玻尿酸 HA-2401 @ 1.5000        80     120.00    today + 200
中心库 C01     玻尿酸 HA-2401 @ 1.6000        10     16.00     today + 200
中心库 C01     玻尿酸 HA-2402 @ 2.3333        30     69.999    today + 30
中心库 C01     肉毒素 BTX-01 @ 800.0000       3      2400.00   today − 5
美容科库 D01   玻尿酸 HA-2401 @ 1.5000        15     22.50     today + 200
美容科库 D01   玻尿酸 HA-2399 @ 1.0000        2      2.00      today
皮肤科库 D02   纱布 (no batch) @ 0.1251       50     6.255     —  (consigned by 华东医药)
东区库 E01     玻尿酸 HA-2401 @ 1.5000        10     15.00     today + 200
=============  ============================  =====  ========  ============

美容科库 belongs to the aesthetics department, 皮肤科库 to the skin department; 中心库 has none.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.audit.models import AuditEvent
from medspa.inventory.choices import CertificateKind, MoveType
from medspa.inventory.ledger import DocumentRef, MoveInput, post_moves
from medspa.inventory.models import (
    Company,
    Item,
    ItemCategory,
    Lot,
    StockAlert,
    StockBalance,
    StockMove,
    Warehouse,
)
from medspa.organization.models import Branch, Department
from tests.factories import UserFactory
from tests.inventory.factories import (
    CertificateFactory,
    CompanyFactory,
    DepartmentWarehouseFactory,
    ItemCategoryFactory,
    ItemFactory,
    StockLevelFactory,
    WarehouseFactory,
)
from tests.organization.factories import DepartmentFactory, StaffFactory, scoped_user

STOCK_PERMS = [
    "inventory.view_stockbalance",
    "inventory.view_stockmove",
    "inventory.view_lot",
    "inventory.view_stockalert",
    "inventory.change_stockalert",
]
D = Decimal


@pytest.fixture(autouse=True)
def clear_cache() -> None:
    """Parameters are cached per organisation id; ids repeat between tests."""
    cache.clear()


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@dataclass
class World:
    branch: Branch
    east: Branch
    aesthetics: Department
    skin: Department
    central: Warehouse
    beauty: Warehouse
    skin_wh: Warehouse
    east_wh: Warehouse
    drugs: ItemCategory
    fillers: ItemCategory
    consumables: ItemCategory
    ha: Item
    btx: Item
    gauze: Item
    supplier: Company
    ha0: Lot
    ha1: Lot
    ha1b: Lot
    ha2: Lot
    btx1: Lot
    gauze1: Lot
    poster: User


_doc = itertools.count(1)


def post(
    poster: User, moves: list[MoveInput], *, posted_at: datetime.datetime | None = None
) -> list[StockMove]:
    """Post ``moves`` as test document T-n (the only way stock changes)."""
    n = next(_doc)
    with transaction.atomic():
        return post_moves(
            actor=poster, moves=moves, document=DocumentRef("test", n, f"T-{n}"), posted_at=posted_at
        )


def receive(poster: User, warehouse: Warehouse, lot: Lot, quantity: str, **kwargs: Any) -> list[StockMove]:
    return post(
        poster,
        [MoveInput(warehouse, lot, D(quantity), MoveType.RECEIPT, owner_id=kwargs.pop("owner_id", None))],
        **kwargs,
    )


def issue(poster: User, warehouse: Warehouse, lot: Lot, quantity: str, **kwargs: Any) -> list[StockMove]:
    return post(poster, [MoveInput(warehouse, lot, -D(quantity), MoveType.USAGE)], **kwargs)


def lot(item: Item, batch_no: str, cost: str, expiry: datetime.date | None) -> Lot:
    return Lot.objects.create(item=item, batch_no=batch_no, unit_cost=D(cost), expiry_date=expiry)


def build_world(branch: Branch, east: Branch) -> World:
    global _doc
    _doc = itertools.count(1)  # the world's documents are T-1 … T-7
    org = branch.organisation
    aesthetics = DepartmentFactory(branch=branch, code="aesthetics", name="医学美容科")
    skin = DepartmentFactory(branch=branch, code="skin", name="皮肤科")
    central = WarehouseFactory(branch=branch, code="C01", name="中心库")
    beauty = DepartmentWarehouseFactory(department=aesthetics, code="D01", name="美容科库")
    skin_wh = DepartmentWarehouseFactory(department=skin, code="D02", name="皮肤科库")
    east_wh = WarehouseFactory(branch=east, code="E01", name="东区库")
    drugs = ItemCategoryFactory(organisation=org, code="drug", name="药品")
    fillers = ItemCategoryFactory(organisation=org, parent=drugs, code="filler", name="填充剂")
    consumables = ItemCategoryFactory(organisation=org, code="cons", name="耗材")
    ha = ItemFactory(organisation=org, code="HA01", name="玻尿酸", category=fillers)
    btx = ItemFactory(organisation=org, code="BT01", name="肉毒素", category=drugs, specification="100U")
    gauze = ItemFactory(
        organisation=org,
        code="GZ01",
        name="纱布",
        category=consumables,
        base_unit="包",
        specification="10片",
        is_lot_tracked=False,
        is_expiry_tracked=False,
    )
    supplier = CompanyFactory(organisation=org, code="S01", name="华东医药")
    ha0 = lot(ha, "HA-2399", "1.0000", today())
    ha1 = lot(ha, "HA-2401", "1.5000", days(200))
    ha1b = lot(ha, "HA-2401", "1.6000", days(200))
    ha2 = lot(ha, "HA-2402", "2.3333", days(30))
    btx1 = lot(btx, "BTX-01", "800.0000", days(-5))
    gauze1 = lot(gauze, "", "0.1251", None)
    poster = UserFactory(username="poster", branches=[branch, east])

    now = timezone.now()
    post(
        poster,
        [
            MoveInput(central, ha1, D("100"), MoveType.RECEIPT),
            MoveInput(central, ha2, D("30"), MoveType.RECEIPT),
            MoveInput(central, btx1, D("3"), MoveType.RECEIPT),
        ],
        posted_at=now - datetime.timedelta(days=3),
    )
    post(
        poster,
        [
            MoveInput(central, ha1, D("-20"), MoveType.TRANSFER_OUT),
            MoveInput(beauty, ha1, D("20"), MoveType.TRANSFER_IN),
        ],
        posted_at=now - datetime.timedelta(days=2),
    )
    receive(poster, skin_wh, gauze1, "50", owner_id=supplier.pk, posted_at=now - datetime.timedelta(days=1))
    receive(poster, east_wh, ha1, "10", posted_at=now - datetime.timedelta(days=1))
    post(poster, [MoveInput(beauty, ha1, D("-5"), MoveType.USAGE)], posted_at=now)
    receive(poster, central, ha1b, "10", posted_at=now)
    receive(poster, beauty, ha0, "2", posted_at=now)
    return World(
        branch=branch,
        east=east,
        aesthetics=aesthetics,
        skin=skin,
        central=central,
        beauty=beauty,
        skin_wh=skin_wh,
        east_wh=east_wh,
        drugs=drugs,
        fillers=fillers,
        consumables=consumables,
        ha=ha,
        btx=btx,
        gauze=gauze,
        supplier=supplier,
        ha0=ha0,
        ha1=ha1,
        ha1b=ha1b,
        ha2=ha2,
        btx1=btx1,
        gauze1=gauze1,
        poster=poster,
    )


def add_levels(world: World) -> None:
    """Shortage: 玻尿酸@中心库 (120 < 200), 肉毒素@美容科库 (none < 5), 玻尿酸@东区库 (10 < 20);
    overstock: 肉毒素@中心库 (3 > 2); fine: 纱布@皮肤科库 (50, min 10, no max)."""
    StockLevelFactory(item=world.ha, warehouse=world.central, min_quantity=D("200"), max_quantity=D("500"))
    StockLevelFactory(item=world.btx, warehouse=world.central, min_quantity=D("1"), max_quantity=D("2"))
    StockLevelFactory(item=world.gauze, warehouse=world.skin_wh, min_quantity=D("10"), max_quantity=None)
    StockLevelFactory(item=world.btx, warehouse=world.beauty, min_quantity=D("5"), max_quantity=D("10"))
    StockLevelFactory(item=world.ha, warehouse=world.east_wh, min_quantity=D("20"), max_quantity=None)


def add_certificates(world: World) -> tuple[Company, Company]:
    """华东医药's licence expires in 10 days; 西部医疗's expired yesterday; an optional
    certificate expiring and one expiring in 40 days raise nothing."""
    CertificateFactory(
        company=world.supplier, kind=CertificateKind.BUSINESS_LICENCE, number="LIC-1", expires_on=days(10)
    )
    CertificateFactory(
        company=world.supplier,
        kind=CertificateKind.AUTHORISATION,
        number="AUTH-1",
        expires_on=days(5),
        is_required=False,
    )
    west = CompanyFactory(
        organisation=world.branch.organisation, code="S02", name="西部医疗", certificates=[]
    )
    CertificateFactory(
        company=west, kind=CertificateKind.DEVICE_OPERATION, number="DEV-9", expires_on=days(-1)
    )
    CertificateFactory(
        company=west, kind=CertificateKind.BUSINESS_LICENCE, number="LIC-2", expires_on=days(40)
    )
    return world.supplier, west


def stock_user(
    branch: Branch, perms: list[str] | None = None, scope: DataScope = DataScope.BRANCH, **kwargs: Any
) -> User:
    """A storekeeper of ``branch`` with ``perms`` (default: every stock query permission)."""
    return scoped_user(branch, STOCK_PERMS if perms is None else perms, scope, **kwargs)


def department_user(world: World, perms: list[str] | None = None) -> User:
    """The aesthetics department's storekeeper: department scope, sees 美容科库 only."""
    staff = StaffFactory(
        branch=world.branch, employee_no="K001", name="美容科库管", department=world.aesthetics
    )
    return stock_user(world.branch, perms, DataScope.DEPARTMENT, staff=staff, username="deptkeeper")


def state() -> tuple[Any, ...]:
    """Everything a refused stock query or alert write must leave alone."""
    return (
        list(StockBalance.objects.order_by("pk").values()),
        StockMove.objects.count(),
        list(StockAlert.objects.order_by("pk").values()),
        AuditEvent.objects.filter(module="inventory", result="success").count(),  # denials are logged
    )
