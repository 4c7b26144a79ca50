"""Export a table's rows as .xlsx or .csv (UTF-8 with BOM so Excel opens Chinese correctly)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from medspa.core.tables import Table

FORMATS = ("xlsx", "csv")
MAX_ROWS = 100_000


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def export_table(table_class: type[Table], rows: Iterable[Any], fmt: str, basename: str) -> HttpResponse:
    columns = table_class.columns
    headers = [str(c.label) for c in columns]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_safe(c.text(row)) for c in columns])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        return _attachment(response, f"{basename}-{stamp}.csv")

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=basename[:31])
    sheet.append(headers)
    widths = [len(h) * 2 + 2 for h in headers]
    for row in rows:
        values = [c.export_value(row) for c in columns]
        sheet.append([_csv_safe(v) if isinstance(v, str) else v for v in values])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 10), 60)
    buffer_bytes = io.BytesIO()
    workbook.save(buffer_bytes)
    response = HttpResponse(
        buffer_bytes.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, f"{basename}-{stamp}.xlsx")


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in user text (CSV/formula injection)."""
    if not value or value[0] not in ("=", "+", "-", "@", "\t", "\r"):
        return value
    if value[0] in "+-" and value[1:2] in set("0123456789¥"):
        return value  # a signed number or amount, not a formula
    return "'" + value
