"""Main inventory flow (issue 5), at 1440 and 375 px, all through the pages: the storekeeper
receives a boxed toxin by scanning its GS1 code, unpacks the box into 10 vials, issues 3 vials
to a department warehouse, counts the central warehouse one vial short and submits; she cannot
approve her own count, a second storekeeper approves, and 库存查询 shows what is left where at
the box price split over its vials.

Page labels go through ``gettext`` so that the test reads the same words the page shows (the
catalog holds their Chinese); names, quantities and amounts are asserted literally."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import expect

from medspa.inventory import master_services
from medspa.inventory.models import Item, ItemCategory, StockBalance, Stocktake, Warehouse
from tests.e2e.helpers import choose, htmx_settled, login, logout, open_menu_item
from tests.factories import PASSWORD, role_user

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BOX_PRICE = "1234.56"  # one box of 10 vials: 123.456 per vial, kept to 4 places in the lot
BATCH = "BT2611"


def gtin14(body: str) -> str:
    """``body`` (13 digits) with its GS1 check digit."""
    assert len(body) == 13 and body.isdigit()
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


GTIN = gtin14("0690123456799")


def set_up_items(keeper, central: Warehouse) -> tuple[Item, Item]:
    """肉毒素 (counted in 支, at least 10 in the central warehouse) and 肉毒素整盒 (counted in 盒,
    GTIN on its base unit, 1 盒 → 10 支), created through the item master service as the
    storekeeper would."""
    drug = ItemCategory.objects.get(organisation=keeper.organisation, code="drug")
    vial = master_services.item_create(
        actor=keeper,
        code="E2E-BTX-V",
        name="肉毒素",
        base_unit="支",
        category_id=drug.pk,
        specification="50U/支",
        levels=[master_services.LevelInput(warehouse_id=central.pk, min_quantity=10)],
    )
    box = master_services.item_create(
        actor=keeper,
        code="E2E-BTX-B",
        name="肉毒素整盒",
        base_unit="盒",
        category_id=drug.pk,
        specification="50U×10支/盒",
        unpack_item_id=vial.pk,
        unpack_quantity=10,
        barcodes=[master_services.BarcodeInput(code=GTIN)],
    )
    return vial, box


def scan_code(viewport: str, expiry: datetime.date) -> str:
    """What the scanner types: the human-readable form on the desktop, the bare element string
    (variable-length batch last, so no GS separator is needed) on the phone."""
    if viewport == "desktop":
        return f"(01){GTIN}(17){expiry:%y%m%d}(10){BATCH}"
    return f"01{GTIN}17{expiry:%y%m%d}10{BATCH}"


def header_select(page, field_id: str, text: str) -> None:
    """Choose an editor header option whose change redraws the editor (other lots and bins),
    and wait until the redrawn editor has replaced the old one."""
    page.get_by_test_id("document-form").evaluate("form => form.dataset.stale = '1'")
    choose(page.locator(f"#{field_id}"), text)
    expect(page.locator("[data-testid=document-form][data-stale]")).to_have_count(0)
    expect(page.locator(f"#{field_id} option:checked")).to_contain_text(text)
    htmx_settled(page)


def pick_item(page, query: str, item: Item):
    """Add a line by hand and pick ``item`` from the item search; returns the new line row."""
    rows = page.get_by_test_id("line-row")
    before = rows.count()
    page.get_by_test_id("add-line").click()
    expect(rows).to_have_count(before + 1)
    htmx_settled(page)
    rows.last.get_by_test_id("item-search").fill(query)
    result = rows.last.locator(f'[data-testid="item-result"][data-item="{item.pk}"]')
    expect(result).to_be_visible()
    htmx_settled(page)
    result.click()
    expect(rows.last.get_by_test_id("line-item")).to_contain_text(item.name)
    htmx_settled(page)
    return rows.last


def save_submit_post(page, kind: str) -> str:
    """Save the draft, submit it and post it through the document page's buttons; returns the
    document's URL."""
    page.get_by_test_id("submit").click()
    status = page.get_by_test_id("status")
    expect(status).to_have_text(gettext("Draft"))
    url = page.url
    assert re.search(rf"/inventory/{kind}/\d+/$", url), url
    page.shot("draft")
    page.get_by_test_id("action-submit").click()
    expect(status).to_have_text(gettext("Submitted"))
    page.get_by_test_id("action-post").click()  # confirmed in the dialog (accepted below)
    expect(status).to_have_text(gettext("Posted"))
    page.shot("posted")
    return url


def move_rows(page) -> list[list[str]]:
    """The posted moves as (move type, warehouse, item, lot, quantity, unit cost)."""
    rows = page.get_by_test_id("move")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()[1:]]
        for i in range(rows.count())
    ]


def table_rows(page) -> list[list[str]]:
    rows = page.get_by_test_id("object-table").locator("tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())
    ]


@pytest.mark.req("INV-04", "INV-08", "INV-05", "INV-07", "INV-09", "INV-03", "INV-10")
def test_storekeeper_receives_unpacks_issues_and_counts(page, demo, viewport):
    User = get_user_model()
    keeper = User.objects.get(username="storekeeper")
    branch = keeper.default_branch
    approver = role_user("库管", username="keeper2", display_name="吴库管", branches=[branch])
    central = Warehouse.objects.get(branch=branch, code="central")
    vial, box = set_up_items(keeper, central)
    department = Warehouse.objects.get(branch=branch, code="injection-store")
    expiry = datetime.date(timezone.localdate().year + 2, 12, 31)
    page.on("dialog", lambda dialog: dialog.accept())  # the "post now?" confirmation

    login(page, "storekeeper", demo)

    # 采购入库: warehouse + supplier, then the scanner fills a line with item, lot and expiry
    open_menu_item(page, "inventory-docs-receipt-list")
    page.get_by_test_id("create").click()
    header_select(page, "id_warehouse", "中心库房")
    choose(page.locator("#id_supplier"), "华东医药供应链有限公司")
    page.locator("#id_invoice_no").fill("E2E-0001")
    scan = page.get_by_test_id("scan-input")
    scan.press_sequentially(scan_code(viewport, expiry))  # a keyboard-wedge scanner types…
    scan.press("Enter")  # …and ends with Enter
    row = page.get_by_test_id("line-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("line-item")).to_contain_text("E2E-BTX-B 肉毒素整盒")
    expect(row.locator("input[name$='-batch_no']")).to_have_value(BATCH)
    expect(row.locator("input[name$='-expiry_date']")).to_have_value(expiry.isoformat())
    expect(row.locator("input[name$='-quantity']")).to_have_value("1")
    expect(row.locator("select[name$='-pack_unit'] option:checked")).to_have_text("盒")
    expect(scan).to_have_value("")  # ready for the next scan
    htmx_settled(page)
    row.locator("input[name$='-unit_price']").fill(BOX_PRICE)
    page.shot("receipt-scanned")
    save_submit_post(page, "receipts")
    lines = page.get_by_test_id("document-lines")
    expect(lines.get_by_test_id("line")).to_have_count(1)
    expect(lines.get_by_test_id("line").first).to_contain_text(BATCH)
    expect(lines.get_by_test_id("line").first).to_contain_text(f"{expiry:%Y-%m-%d}")
    expect(page.get_by_test_id("total")).to_have_text("¥1,234.56")
    expect(page.get_by_test_id("move")).to_have_count(1)
    assert move_rows(page) == [
        [gettext("Purchase receipt"), "中心库房", "E2E-BTX-B 肉毒素整盒", BATCH, "1 盒", "1234.56"]
    ]

    # 拆包: the box becomes 10 vials at a tenth of its cost
    open_menu_item(page, "inventory-docs-unpacking-list")
    page.get_by_test_id("create").click()
    header_select(page, "id_warehouse", "中心库房")
    row = pick_item(page, "肉毒素整盒", box)
    choose(row.get_by_test_id("lot-select"), BATCH)
    expect(row.locator("input[name$='-quantity']")).to_have_value("1")
    page.shot("unpacking-form")
    save_submit_post(page, "unpackings")
    assert move_rows(page) == [
        [gettext("Unpacked (box)"), "中心库房", "E2E-BTX-B 肉毒素整盒", BATCH, "-1 盒", "1234.56"],
        [gettext("Unpacked (units)"), "中心库房", "E2E-BTX-V 肉毒素", BATCH, "10 支", "123.456"],
    ]

    # 出库: 3 vials to the injection department's warehouse, lot by FEFO
    open_menu_item(page, "inventory-docs-issue-list")
    page.get_by_test_id("create").click()
    header_select(page, "id_warehouse", "中心库房")
    page.locator("#id_issue_kind").select_option("department")
    expect(page.locator("#id_to_warehouse")).to_be_visible()
    header_select(page, "id_to_warehouse", "注射美容组二级库")
    row = pick_item(page, "肉毒素", vial)
    expect(row.get_by_test_id("lot-select").locator("option:checked")).to_have_text(
        gettext("Earliest expiry first (FEFO)")
    )
    row.locator("input[name$='-quantity']").fill("3")
    page.shot("issue-form")
    save_submit_post(page, "issues")
    assert move_rows(page) == [
        [gettext("Issue out"), "中心库房", "E2E-BTX-V 肉毒素", BATCH, "-3 支", "123.456"],
        [gettext("Issue in (department)"), "注射美容组二级库", "E2E-BTX-V 肉毒素", BATCH, "3 支", "123.456"],
    ]

    # 盘点: the central warehouse; everything matches the book except one vial missing
    open_menu_item(page, "inventory-stocktakes")
    page.get_by_test_id("create").click()
    expect(page).to_have_url(re.compile(r"/inventory/stocktakes/new/$"))
    choose(page.locator("#id_warehouse"), "中心库房")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_text(gettext("Counting"))
    stocktake = Stocktake.objects.get(warehouse=central)
    lines = page.get_by_test_id("lines").get_by_test_id("line")
    expected_lines = stocktake.lines.count()
    expect(lines).to_have_count(expected_lines)
    assert expected_lines > 1  # the demo's stock is counted too
    for i in range(expected_lines):
        line = lines.nth(i)
        book = line.get_by_test_id("book").inner_text().split()[0]
        counted = "6" if "E2E-BTX-V" in line.inner_text() else book
        if "E2E-BTX-V" in line.inner_text():
            assert book == "7"
        line.get_by_test_id("count-input").fill(counted)
    page.shot("stocktake-counting")
    page.get_by_test_id("save-counts").click()
    expect(page.get_by_test_id("counted-lines")).to_have_text(str(expected_lines))
    vial_line = lines.filter(has_text="E2E-BTX-V")
    expect(vial_line.get_by_test_id("difference")).to_have_text("-1")
    expect(vial_line.get_by_test_id("difference-value")).to_have_text("-¥123.46")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/inventory/stocktakes/\d+/submit/$"))
    expect(page.get_by_test_id("uncounted-warning")).to_have_count(0)
    page.shot("stocktake-submit")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_text(gettext("Submitted"))
    stocktake_url = page.url

    # she counted, so she cannot approve: the approval page says so and offers no button
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("approve-unavailable")).to_have_text(
        gettext("You counted this stocktake, so someone else must approve it.")
    )
    expect(page.get_by_test_id("approve-button")).to_have_count(0)
    expect(page.get_by_test_id("difference-row")).to_have_count(1)
    expect(page.get_by_test_id("loss-value")).to_have_text("-¥123.46")
    page.shot("stocktake-own-approval")

    # a second storekeeper approves; the loss is posted
    logout(page)
    login(page, approver.username, PASSWORD)
    open_menu_item(page, "inventory-stocktakes")
    page.get_by_test_id("object-table").get_by_role("link", name=stocktake.number).click()
    expect(page).to_have_url(re.compile(re.escape(stocktake_url) + "$"))
    page.get_by_test_id("approve").click()
    difference = page.get_by_test_id("difference-row")
    expect(difference).to_have_count(1)
    expect(difference).to_contain_text("肉毒素")
    expect(difference).to_contain_text("-1")
    expect(difference).to_contain_text("-¥123.46")
    page.shot("stocktake-approval")
    page.get_by_test_id("approve-button").click()
    expect(page.get_by_test_id("status")).to_have_text(gettext("Approved and posted"))
    page.shot("stocktake-posted")

    # 库存查询 by warehouse: 6 vials central, 3 in the department, no box left anywhere
    open_menu_item(page, "inventory-stock")
    page.get_by_test_id("view-warehouse").click()
    expect(page.get_by_test_id("view-warehouse")).to_have_attribute("aria-current", "true")
    page.locator("#id_q").fill("肉毒素")
    page.get_by_role("button", name=gettext("Filter")).click()
    expect(page).to_have_url(re.compile(r"q=%E8%82%89%E6%AF%92%E7%B4%A0"))
    expect(page.get_by_test_id("object-table").locator("tbody tr")).to_have_count(2)
    assert table_rows(page) == [
        ["中心库房", "E2E-BTX-V", "肉毒素", "50U/支", "支", "6", "¥740.74"],
        ["注射美容组二级库", "E2E-BTX-V", "肉毒素", "50U/支", "支", "3", "¥370.37"],
    ]
    expect(page.get_by_test_id("total-value")).to_have_text("¥1,111.10")
    page.shot("stock-by-warehouse")

    # 库存不足: 6 vials against a minimum of 10 in the central warehouse
    page.get_by_test_id("tab-shortages").click()
    expect(page.get_by_test_id("tab-shortages")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("object-table").locator("tbody tr")).to_have_count(1)
    assert table_rows(page) == [["中心库房", "E2E-BTX-V", "肉毒素", "50U/支", "支", "10", "—", "6", "4"]]
    page.shot("stock-shortage")

    page.goto("/inventory/stock/?view=warehouse")
    page.locator("#id_q").fill("肉毒素整盒")
    page.get_by_role("button", name=gettext("Filter")).click()
    expect(page.get_by_test_id("object-table").locator("tbody tr")).to_have_text(gettext("No stock matches."))
    page.shot("stock-no-box")

    # the ledger agrees with the page
    on_hand = {
        (row.warehouse_id, row.item_id): row.quantity
        for row in StockBalance.objects.filter(item__in=[vial, box], quantity__gt=0)
    }
    assert on_hand == {(central.pk, vial.pk): Decimal("6.000"), (department.pk, vial.pk): Decimal("3.000")}
