"""The scan front door (SPD-10) on the document editor and the API: a GS1 string with GS
separators, its human-readable form with parentheses, a bare GTIN of a box pack level, an item
code; unknown and malformed codes get a clear message."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from medspa.core.errors import ValidationError
from medspa.inventory.choices import DocumentStatus
from medspa.inventory.models import Lot, Serial, StockDocument, StockMove
from medspa.inventory.scan import parse_code
from tests.factories import BranchFactory, OrganisationFactory, UserFactory
from tests.inventory import test_document_pages as pages
from tests.inventory.factories import ItemBarcodeFactory, SerialItemFactory
from tests.inventory.support import scoped_user

pytestmark = pytest.mark.django_db

# fixtures and helpers shared with the page tests
central = pages.central
item = pages.item
keeper = pages.keeper
supplier = pages.supplier
PERMS = pages.PERMS
days = pages.days
editor_data = pages.editor_data
receive = pages.receive

GS = "\x1d"
SCAN = reverse("inventory_docs:scan")
API = "/api/v1/inventory/scan"
BOX_GTIN = "06901234567892"
UNIT_GTIN = "06901234567816"
IMPLANT_GTIN = "06901234567830"


def yymmdd(day: datetime.date) -> str:
    return f"{day:%y%m%d}"


@pytest.fixture
def barcodes(item):
    box = item.pack_units.get(name="盒")
    ItemBarcodeFactory(item=item, pack_unit=box, code=BOX_GTIN)
    ItemBarcodeFactory(item=item, code=UNIT_GTIN)
    return box


@pytest.fixture
def implant(branch):
    implant = SerialItemFactory(organisation=branch.organisation, code="ZR01", name="乳房假体")
    ItemBarcodeFactory(item=implant, code=IMPLANT_GTIN)
    return implant


def scan(client, code, doc_type="receipt", **extra):
    return client.post(SCAN, {"code": code, "doc_type": doc_type, **extra}, headers={"HX-Request": "true"})


def field_value(body: str, name: str) -> str:
    """The value of the row's text input ``line-<token>-<name>``."""
    tag = re.search(rf'<input[^>]*name="line-[a-z0-9]+-{name}"[^>]*>', body)
    assert tag is not None, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def selected(body: str, name: str) -> str:
    """The selected option's value of the row's select ``line-<token>-<name>``."""
    select = re.search(rf'<select name="line-[a-z0-9]+-{name}".*?</select>', body, re.S)
    assert select is not None, name
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return chosen.group(1) if chosen else ""


@pytest.mark.req("SPD-10")
def test_gs1_with_gs_separator_prefills_a_serial_line_and_the_page_posts_it(
    logged_in, keeper, central, supplier, implant
):
    expiry = days(400)
    code = f"01{IMPLANT_GTIN}17{yymmdd(expiry)}10LOT7{GS}21SN-0001"
    client = logged_in(keeper)
    response = scan(client, code, warehouse=central.pk)
    body = response.content.decode()
    assert response.status_code == 200 and "HX-Retarget" not in response
    assert body.count('data-testid="line-row"') == 1
    assert "ZR01 乳房假体" in body
    assert (field_value(body, "quantity"), field_value(body, "batch_no"), field_value(body, "serial_no")) == (
        "1",
        "LOT7",
        "SN-0001",
    )
    assert field_value(body, "expiry_date") == f"{expiry:%Y-%m-%d}"
    assert selected(body, "pack_unit") == ""  # the base unit
    assert 'id="scan-feedback" hx-swap-oob="innerHTML"' in body
    # the scanned row posted with the editor creates and posts exactly that unit
    token = body.split('data-token="', 1)[1].split('"', 1)[0]
    data = {
        "warehouse": central.pk,
        "supplier": supplier.pk,
        "line": [token],
        f"line-{token}-item": implant.pk,
        f"line-{token}-quantity": "1",
        f"line-{token}-unit_price": "5000",
        f"line-{token}-batch_no": "LOT7",
        f"line-{token}-expiry_date": f"{expiry:%Y-%m-%d}",
        f"line-{token}-serial_no": "SN-0001",
    }
    assert client.post(reverse("inventory_docs:receipt_create"), data).status_code == 302
    doc = StockDocument.objects.get()
    client.post(reverse("inventory_docs:receipt_action", args=[doc.pk, "submit"]))
    client.post(reverse("inventory_docs:receipt_action", args=[doc.pk, "post"]))
    assert StockDocument.objects.get().status == DocumentStatus.POSTED
    serial = Serial.objects.get()
    assert (serial.serial_no, serial.warehouse_id, serial.lot.batch_no) == ("SN-0001", central.pk, "LOT7")
    assert StockMove.objects.get().serial_id == serial.pk


@pytest.mark.req("SPD-10")
def test_human_readable_form_with_parentheses(logged_in, keeper, central, barcodes):
    expiry, produced = days(500), days(-20)
    code = f"(01){BOX_GTIN}(17){yymmdd(expiry)}(10)B-77(11){yymmdd(produced)}"
    body = scan(logged_in(keeper), code, warehouse=central.pk).content.decode()
    assert "HA01 玻尿酸" in body
    assert selected(body, "pack_unit") == str(barcodes.pk)
    assert (field_value(body, "quantity"), field_value(body, "batch_no")) == ("1", "B-77")
    assert field_value(body, "expiry_date") == f"{expiry:%Y-%m-%d}"
    assert field_value(body, "production_date") == f"{produced:%Y-%m-%d}"
    # a receipt line gets the default purchase price of one box (10 × 100.00)
    assert field_value(body, "unit_price") == "1000"


@pytest.mark.req("SPD-10")
@pytest.mark.parametrize("code", [BOX_GTIN, BOX_GTIN[1:], f"  {BOX_GTIN}  "])
def test_bare_gtin_of_a_box_prefills_the_box(logged_in, keeper, central, barcodes, code):
    body = scan(logged_in(keeper), code, warehouse=central.pk).content.decode()
    assert selected(body, "pack_unit") == str(barcodes.pk)
    assert (field_value(body, "quantity"), field_value(body, "batch_no")) == ("1", "")


@pytest.mark.req("SPD-10")
def test_item_code_and_base_unit_gtin(logged_in, keeper, central, barcodes):
    client = logged_in(keeper)
    for code in ("HA01", UNIT_GTIN):
        body = scan(client, code, warehouse=central.pk).content.decode()
        assert "HA01 玻尿酸" in body and selected(body, "pack_unit") == ""


@pytest.mark.req("SPD-10")
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("06901234567908", "No active item has the GTIN %(gtin)s. Add it to the item's barcodes first."),
        ("06901234567891", "%(code)s is not a valid GTIN (check digit)."),
        ("NOPE-1", "No active item has the barcode or code %(code)s."),
        ("", "Scan or type a barcode."),
    ],
)
def test_unknown_and_bad_codes_get_a_clear_message(logged_in, keeper, central, barcodes, code, message):
    response = scan(logged_in(keeper), code, warehouse=central.pk)
    body = response.content.decode()
    expected = gettext(message) % {"gtin": "06901234567908", "code": code}
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#scan-feedback", "innerHTML")
    error = '<div class="invalid-feedback d-block" role="alert" data-testid="scan-error">{}</div>'
    assert body.strip() == error.format(escape(expected))


@pytest.mark.req("SPD-10")
def test_malformed_gs1_string_says_why(logged_in, keeper, central, barcodes):
    code = f"01{BOX_GTIN}17261"  # the expiry is cut short
    with pytest.raises(ValidationError) as refused:
        parse_code(code)
    prefix = gettext("This GS1 barcode cannot be read: %(error)s") % {"error": ""}
    assert refused.value.message.startswith(prefix) and len(refused.value.message) > len(prefix)
    response = scan(logged_in(keeper), code, warehouse=central.pk)
    assert response["HX-Retarget"] == "#scan-feedback"
    assert escape(refused.value.message) in response.content.decode()


@pytest.mark.req("SPD-10")
def test_outbound_scan_chooses_the_scanned_lot(logged_in, keeper, central, supplier, item, barcodes):
    receive(keeper, central, supplier, item, 10, batch="EARLY", expiry=days(30))
    receive(keeper, central, supplier, item, 10, batch="B-9", expiry=days(200))
    client = logged_in(keeper)
    body = scan(
        client, f"(01){BOX_GTIN}(17){yymmdd(days(200))}(10)B-9", "issue", warehouse=central.pk
    ).content.decode()
    assert selected(body, "lot") == str(Lot.objects.get(batch_no="B-9").pk)
    assert 'name="line-' in body and "-batch_no" not in body  # outbound rows have no batch input
    # without a batch the row leaves the lot to FEFO
    body = scan(client, BOX_GTIN, "issue", warehouse=central.pk).content.decode()
    assert selected(body, "lot") == ""


@pytest.mark.req("SPD-10")
def test_scan_permissions(client, logged_in, branch, barcodes):
    response = client.post(SCAN, {"code": BOX_GTIN, "doc_type": "receipt"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert (
        logged_in(UserFactory(username="nobody", branches=[branch]))
        .post(SCAN, {"code": BOX_GTIN, "doc_type": "receipt"})
        .status_code
        == 403
    )
    reader = scoped_user("reader", branch, ["inventory.view_stockdocument"])
    assert logged_in(reader).post(SCAN, {"code": BOX_GTIN, "doc_type": "receipt"}).status_code == 403
    clerk = scoped_user("clerk", branch, ["inventory.view_stockdocument", "inventory.add_stockdocument"])
    assert logged_in(clerk).post(SCAN, {"code": BOX_GTIN, "doc_type": "receipt"}).status_code == 200
    assert logged_in(clerk).post(SCAN, {"code": BOX_GTIN, "doc_type": "nonsense"}).status_code == 404


# --- the API ----------------------------------------------------------------------------------------


def api_scan(client, code):
    return client.post(API, data=json.dumps({"code": code}), content_type="application/json")


@pytest.mark.req("SPD-10")
def test_api_scan_gs1_string(logged_in, keeper, item, barcodes):
    expiry, produced = days(400), days(-3)
    response = api_scan(logged_in(keeper), f"01{BOX_GTIN}17{yymmdd(expiry)}11{yymmdd(produced)}10B1{GS}21S9")
    assert response.status_code == 200
    assert response.json() == {
        "item": {
            "id": item.pk,
            "code": "HA01",
            "name": "玻尿酸",
            "specification": "1ml",
            "base_unit": "支",
            "is_lot_tracked": True,
            "is_expiry_tracked": True,
            "is_serial_tracked": False,
        },
        "pack_unit": {"id": barcodes.pk, "name": "盒", "factor": "10.000"},
        "factor": "10.000",
        "gtin": BOX_GTIN,
        "batch_no": "B1",
        "expiry_date": f"{expiry:%Y-%m-%d}",
        "production_date": f"{produced:%Y-%m-%d}",
        "serial_no": "S9",
    }


@pytest.mark.req("SPD-10")
def test_api_scan_hri_gtin_and_code(logged_in, keeper, item, barcodes):
    client = logged_in(keeper)
    body = api_scan(client, f"(01){BOX_GTIN}(10)X1").json()
    assert (body["pack_unit"]["name"], body["batch_no"], body["expiry_date"]) == ("盒", "X1", None)
    body = api_scan(client, UNIT_GTIN).json()
    assert (body["pack_unit"], body["factor"], body["gtin"]) == (None, "1.000", UNIT_GTIN)
    body = api_scan(client, "HA01").json()
    assert (body["item"]["id"], body["gtin"], body["pack_unit"]) == (item.pk, "", None)


@pytest.mark.req("SPD-10")
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("06901234567908", "No active item has the GTIN %(gtin)s. Add it to the item's barcodes first."),
        ("06901234567891", "%(code)s is not a valid GTIN (check digit)."),
        ("   ", "Scan or type a barcode."),
    ],
)
def test_api_scan_refusals_are_problem_json(logged_in, keeper, barcodes, code, message):
    response = api_scan(logged_in(keeper), code)
    expected = gettext(message) % {"gtin": "06901234567908", "code": code}
    assert (response.status_code, response["Content-Type"]) == (422, "application/problem+json")
    assert response.json()["errors"] == [{"field": "code", "message": expected}]


@pytest.mark.req("SPD-10")
def test_api_scan_permissions(client, logged_in, branch, other_branch, barcodes):
    assert api_scan(client, BOX_GTIN).status_code == 401
    assert api_scan(logged_in(UserFactory(username="nobody", branches=[branch])), BOX_GTIN).status_code == 403
    # an item of another organisation is unknown
    far = BranchFactory(organisation=OrganisationFactory(code="far"), code="far")
    stranger = scoped_user("stranger", far, PERMS)
    assert api_scan(logged_in(stranger), BOX_GTIN).status_code == 422
