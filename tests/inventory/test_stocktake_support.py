"""Shared set-up of the stocktake and monthly-close tests (INV-07, INV-10): a warehouse with two
lots of one item received through the document services, users who count and approve, and a
snapshot of everything a refused call must leave unchanged."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from medspa.accounts.choices import DataScope
from medspa.audit.models import AuditEvent
from medspa.inventory import document_services as docs
from medspa.inventory.choices import DocumentType, IssueKind
from medspa.inventory.models import (
    Lot,
    MonthClose,
    MonthCloseLine,
    StockBalance,
    StockMove,
    Stocktake,
    StocktakeLine,
)
from tests.inventory.factories import (
    CompanyFactory,
    DepartmentWarehouseFactory,
    ItemBarcodeFactory,
    ItemFactory,
    WarehouseFactory,
)
from tests.inventory.support import STOREKEEPER_PERMS, scoped_user
from tests.organization.factories import DepartmentFactory

COUNTER_PERMS = STOREKEEPER_PERMS
APPROVER_PERMS = (*STOREKEEPER_PERMS, "inventory.approve_stocktake")
CLOSER_PERMS = (*STOREKEEPER_PERMS, "inventory.add_monthclose", "inventory.reopen_monthclose")
ALL_PERMS = (*APPROVER_PERMS, "inventory.add_monthclose", "inventory.reopen_monthclose")
SH = timezone.get_fixed_timezone(8 * 60)


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """An aware Asia/Shanghai moment."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SH)


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def state() -> dict[str, Any]:
    """Everything a refused stocktake or close call must leave as it was."""
    return {
        "stocktakes": list(Stocktake.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "lines": list(StocktakeLine.objects.order_by("pk").values_list("pk", "counted_quantity")),
        "moves": StockMove.objects.count(),
        "balances": list(StockBalance.objects.order_by("pk").values_list("pk", "quantity")),
        "closes": list(MonthClose.objects.order_by("pk").values_list("pk", "status", "closing_value")),
        "close_lines": MonthCloseLine.objects.count(),
        "audit": AuditEvent.objects.filter(module="inventory", result="success").count(),
    }


def receive(actor, warehouse, supplier, lines, *, posted_at=None):
    """Receive ``lines`` ((item, quantity, unit price per base unit, batch no, expiry)) through
    the document services: create → submit → post."""
    doc = docs.document_create(
        actor=actor,
        doc_type=DocumentType.RECEIPT,
        warehouse=warehouse,
        supplier=supplier,
        lines=[
            docs.LineInput(
                item_id=item.pk, quantity=quantity, unit_price=price, batch_no=batch, expiry_date=expiry
            )
            for item, quantity, price, batch, expiry in lines
        ],
    )
    docs.document_submit(actor=actor, document=doc)
    return docs.document_post(actor=actor, document=doc, posted_at=posted_at)


def issue(actor, warehouse, item, quantity, *, lot=None, posted_at=None):
    """Use ``quantity`` base units of ``item`` (FEFO unless ``lot``)."""
    doc = docs.document_create(
        actor=actor,
        doc_type=DocumentType.ISSUE,
        warehouse=warehouse,
        issue_kind=IssueKind.USAGE,
        lines=[docs.LineInput(item_id=item.pk, quantity=quantity, lot_id=lot.pk if lot else None)],
    )
    docs.document_submit(actor=actor, document=doc)
    return docs.document_post(actor=actor, document=doc, posted_at=posted_at)


@pytest.fixture
def keeper(branch):
    """The counter: may start, count, submit and cancel stocktakes (branch scope)."""
    return scoped_user("keeper", branch, COUNTER_PERMS)


@pytest.fixture
def approver(branch):
    """The stock manager: may also approve stocktakes."""
    return scoped_user("approver", branch, APPROVER_PERMS)


@pytest.fixture
def closer(branch):
    """May close and reopen months."""
    return scoped_user("closer", branch, CLOSER_PERMS)


@pytest.fixture
def central(branch):
    return WarehouseFactory(branch=branch, code="ZX", name="中心库")


@pytest.fixture
def supplier(branch):
    return CompanyFactory(organisation=branch.organisation, name="华东医药")


@pytest.fixture
def item(branch):
    """玻尿酸, counted in 支, 1 盒 = 10 支; barcodes for the 支 and the 盒."""
    found = ItemFactory(organisation=branch.organisation, code="HA01", name="玻尿酸", pack_units=[("盒", 10)])
    ItemBarcodeFactory(item=found, code="06901234567892")
    ItemBarcodeFactory(item=found, code="16901234567899", pack_unit=found.pack_units.get(name="盒"))
    return found


@pytest.fixture
def gauze(branch):
    """纱布: neither lot nor expiry tracked, counted in 包."""
    return ItemFactory(
        organisation=branch.organisation,
        code="SB01",
        name="纱布",
        base_unit="包",
        is_lot_tracked=False,
        is_expiry_tracked=False,
    )


@pytest.fixture
def stocked(keeper, central, supplier, item, gauze):
    """中心库 holds 玻尿酸 lot B1 ×20 at 10.0000, lot B2 ×5 at 12.5000, and 纱布 ×8 at 2.3000."""
    receive(
        keeper,
        central,
        supplier,
        [
            (item, 20, "10", "B1", in_days(300)),
            (item, 5, "12.5", "B2", in_days(400)),
            (gauze, 8, "2.3", "", None),
        ],
    )
    return {
        "b1": Lot.objects.get(item=item, batch_no="B1"),
        "b2": Lot.objects.get(item=item, batch_no="B2"),
        "gauze": Lot.objects.get(item=gauze),
    }


@pytest.fixture
def department(branch):
    return DepartmentFactory(branch=branch, code="inject", name="注射科")


@pytest.fixture
def dept_wh(department):
    return DepartmentWarehouseFactory(department=department, code="ZS", name="注射科库")


@pytest.fixture
def dept_keeper(branch, department):
    """A department storekeeper: department scope, sees only 注射科库."""
    return scoped_user("deptkeeper", branch, ALL_PERMS, scope=DataScope.DEPARTMENT, department=department)


@pytest.fixture
def east_keeper(other_branch):
    """A storekeeper of the other branch with every stocktake and close permission."""
    return scoped_user("eastkeeper", other_branch, ALL_PERMS)


def qty(value: str) -> Decimal:
    return Decimal(value)
