"""Legacy import of customers (客户初始化档案, CRM-07) from an Excel or CSV file.

``read_table`` checks the columns; ``ImportPlan`` validates every row against the organisation's
data in memory (dictionaries by name, consultants by employee no, phones, card nos and external ids
already taken, duplicates inside the file) without writing; ``ImportPlan.commit`` then creates
the valid rows with ``bulk_create`` in batches — the same rules as ``customer_create``, at
thousands of rows a second. A row whose external id was imported before is skipped, so running
the same file twice changes nothing."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.configuration.selectors import dictionary_item_path
from medspa.core import crypto
from medspa.core.errors import ValidationError
from medspa.customers.choices import Gender
from medspa.customers.custom_fields import active_fields, clean_value
from medspa.customers.id_numbers import normalize_id_number
from medspa.customers.models import CardNoChange, Customer
from medspa.customers.search import name_keys, phone_last4
from medspa.organization.models import Staff
from medspa.organization.phones import normalize_phone

MAX_ROWS = 100_000
BATCH = 1000

# (key, header label, required); the template's first row. Custom fields follow, by label.
COLUMNS: tuple[tuple[str, str, Any, bool], ...] = (  # key, English title, its translation, required
    ("external_id", "External id", pgettext_lazy("import column", "External id"), False),
    ("name", "Name", pgettext_lazy("import column", "Name"), True),
    ("gender", "Gender", pgettext_lazy("import column", "Gender"), False),
    ("birthday", "Birthday", pgettext_lazy("import column", "Birthday"), False),
    ("phone", "Phone", pgettext_lazy("import column", "Phone"), False),
    ("wechat_id", "WeChat id", pgettext_lazy("import column", "WeChat id"), False),
    ("id_number", "ID number", pgettext_lazy("import column", "ID number"), False),
    ("card_no", "Card no", pgettext_lazy("import column", "Card no"), False),
    ("source_channel", "Source channel", pgettext_lazy("import column", "Source channel"), False),
    ("info_source", "Information source", pgettext_lazy("import column", "Information source"), False),
    ("region", "Region", pgettext_lazy("import column", "Region"), False),
    ("consultant", "Consultant employee no", pgettext_lazy("import column", "Consultant employee no"), False),
    ("intention", "Intended projects", pgettext_lazy("import column", "Intended projects"), False),
    ("remarks", "Remarks", pgettext_lazy("import column", "Remarks"), False),
    ("tags", "Tags", pgettext_lazy("import column", "Tags"), False),
)
GENDERS = {"女": Gender.FEMALE, "f": Gender.FEMALE, "男": Gender.MALE, "m": Gender.MALE, "": Gender.UNKNOWN}


@dataclass
class RowError:
    row: int  # the row number in the file (the header is row 1)
    field: str
    message: str


@dataclass
class Report:
    total: int = 0
    valid: int = 0
    created: int = 0
    skipped: int = 0  # external id imported before
    errors: list[RowError] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


def _insert(batch: list[Customer]) -> None:
    """INSERT the batch and set each row's primary key: PostgreSQL COPY with keys taken from the
    sequence first (several times faster than INSERT for thousands of rows), else bulk_create."""
    if connection.vendor != "postgresql":
        Customer.objects.bulk_create(batch, batch_size=BATCH)
        return
    meta = Customer._meta
    fields = list(meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [meta.db_table, len(batch)],
        )
        for customer, (pk,) in zip(batch, cursor.fetchall(), strict=True):
            customer.pk = pk
        table = connection.ops.quote_name(meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for customer in batch:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(customer, add=True), connection) for f in fields]
                )


def template_headers(organisation_id: int) -> list[str]:
    return [str(label) for _key, _english, label, _req in COLUMNS] + [
        f.label for f in active_fields(organisation_id)
    ]


def read_table(content: bytes, filename: str) -> tuple[list[str], Iterator[list[Any]]]:
    """(header, rows) of an .xlsx or .csv file (UTF-8, UTF-8 with BOM or GB18030)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValidationError(_("The file is not a readable Excel workbook."), field="file") from exc
        rows = sheet.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        return header, ([("" if c is None else c) for c in row] for row in rows)
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError(_("The CSV file is neither UTF-8 nor GB18030 text."), field="file")
        reader = csv.reader(io.StringIO(text))
        header = [c.strip() for c in next(reader, [])]
        return header, (list(row) for row in reader)
    raise ValidationError(_("Upload an .xlsx or .csv file."), field="file")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns phone numbers and ids into floats
    return str(value).strip()


def _date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise ValidationError(_("Enter a date like 1990-05-01."), field="birthday") from None


class ImportPlan:
    """Everything needed to check rows of one organisation, loaded once."""

    def __init__(self, *, organisation_id: int, branch_id: int, actor: Any) -> None:
        self.organisation_id = organisation_id
        self.branch_id = branch_id
        self.actor = actor
        self.custom_fields = active_fields(organisation_id)
        items = DictionaryItem.objects.filter(organisation_id=organisation_id, is_active=True).select_related(
            "parent", "parent__parent", "parent__parent__parent"
        )
        self.dictionaries: dict[str, dict[str, int]] = {}
        for item in items:
            names = self.dictionaries.setdefault(item.kind, {})
            names.setdefault(item.name, item.pk)
            names[dictionary_item_path(item)] = item.pk
        self.tag_groups = {
            item.pk: (item.parent_id, bool(item.parent and not item.parent.multiple))
            for item in items
            if item.kind == DictionaryKind.TAG
        }
        self.staff = dict(
            Staff.objects.filter(organisation_id=organisation_id, is_active=True).values_list(
                "employee_no", "pk"
            )
        )
        taken = Customer.objects.filter(organisation_id=organisation_id)
        self.phones = set(taken.exclude(phone="").values_list("phone", flat=True))
        self.cards = set(taken.exclude(card_no="").values_list("card_no", flat=True))
        self.external = set(taken.exclude(external_id="").values_list("external_id", flat=True))

    def columns(self, header: list[str]) -> dict[str, int]:
        """Map of column key → index; wrong or missing columns raise one clear error."""
        labels = {str(label): key for key, _english, label, _req in COLUMNS}  # the template's titles
        labels |= {english: key for key, english, _label, _req in COLUMNS}  # files made in English
        labels |= {f.label: f"custom:{f.key}" for f in self.custom_fields}
        index: dict[str, int] = {}
        unknown = []
        for i, title in enumerate(header):
            if not title:
                continue
            if title not in labels:
                unknown.append(title)
            else:
                index[labels[title]] = i
        missing = [str(label) for key, _english, label, required in COLUMNS if required and key not in index]
        if unknown or missing:
            parts = []
            if missing:
                parts.append(_("missing columns: %(names)s") % {"names": "、".join(missing)})
            if unknown:
                parts.append(_("unknown columns: %(names)s") % {"names": "、".join(unknown)})
            raise ValidationError(
                _("The columns do not match the template (%(problems)s). Download the template again.")
                % {"problems": "; ".join(parts)},
                field="file",
            )
        return index

    def check(
        self, header: list[str], rows: Iterable[list[Any]]
    ) -> tuple[Report, list[Customer], dict[int, list[int]]]:
        """Validate every row; (report, customers to create, tag ids per position in that list)."""
        index = self.columns(header)
        report = Report()
        pending: list[Customer] = []
        tags: dict[int, list[int]] = {}
        seen_phones: set[str] = set()
        seen_cards: set[str] = set()
        seen_external: set[str] = set()
        for number, row in enumerate(rows, start=2):
            if not any(_text(c) for c in row):
                continue
            report.total += 1
            if report.total > MAX_ROWS:
                raise ValidationError(
                    _("A file may hold at most %(max)s rows.") % {"max": MAX_ROWS}, field="file"
                )
            values = {key: (row[i] if i < len(row) else "") for key, i in index.items()}
            external = _text(values.get("external_id"))
            if external and (external in self.external):
                report.skipped += 1
                continue
            try:
                customer, tag_ids = self._customer(values)
                for value, seen, label in (
                    (customer.phone, seen_phones, "phone"),
                    (customer.card_no, seen_cards, "card_no"),
                    (external, seen_external, "external_id"),
                ):
                    if value and value in seen:
                        raise ValidationError(_("The same value appears in an earlier row."), field=label)
            except ValidationError as exc:
                report.errors.append(RowError(number, exc.field or "__all__", exc.message))
                continue
            for value, seen in (
                (customer.phone, seen_phones),
                (customer.card_no, seen_cards),
                (external, seen_external),
            ):
                if value:
                    seen.add(value)
            customer.external_id = external
            if tag_ids:
                tags[len(pending)] = tag_ids
            pending.append(customer)
        report.valid = len(pending)
        return report, pending, tags

    def _lookup(self, kind: str, raw: Any, field_name: str) -> int | None:
        name = _text(raw)
        if not name:
            return None
        pk = self.dictionaries.get(kind, {}).get(name)
        if pk is None:
            raise ValidationError(
                _("%(value)s is not an active entry of the list.") % {"value": name}, field=field_name
            )
        return pk

    def _customer(self, values: dict[str, Any]) -> tuple[Customer, list[int]]:
        name = _text(values.get("name"))
        if not name:
            raise ValidationError(_("Enter the name."), field="name")
        if len(name) > 50:
            raise ValidationError(_("The name may have at most 50 characters."), field="name")
        gender = GENDERS.get(_text(values.get("gender")).lower())
        if gender is None:
            raise ValidationError(_("Write the gender as 女 or 男."), field="gender")
        birthday = _date(values.get("birthday"))
        if birthday and birthday > timezone.localdate():
            raise ValidationError(_("The birthday cannot be in the future."), field="birthday")
        phone = normalize_phone(_text(values.get("phone")))
        if phone and phone in self.phones:
            raise ValidationError(_("This phone belongs to another customer."), field="phone")
        card_no = _text(values.get("card_no"))[:33]
        if len(card_no) > 32:
            raise ValidationError(_("The card no may have at most 32 characters."), field="card_no")
        if card_no and card_no in self.cards:
            raise ValidationError(_("This card no belongs to another customer."), field="card_no")
        id_number = normalize_id_number(_text(values.get("id_number")))
        employee_no = _text(values.get("consultant"))
        consultant = self.staff.get(employee_no) if employee_no else None
        if employee_no and consultant is None:
            raise ValidationError(
                _("No active staff member has the employee no %(no)s.") % {"no": employee_no},
                field="consultant",
            )
        tag_ids = []
        for tag_name in filter(
            None, (t.strip() for t in _text(values.get("tags")).replace("，", ",").split(","))
        ):
            tag_ids.append(self._lookup(DictionaryKind.TAG, tag_name, "tags"))
        groups = [self.tag_groups[t][0] for t in tag_ids if t is not None and self.tag_groups[t][1]]
        if len(groups) != len(set(groups)):
            raise ValidationError(_("Two tags of a single-choice tag group."), field="tags")
        custom = {}
        for custom_field in self.custom_fields:
            raw = values.get(f"custom:{custom_field.key}", "")
            if custom_field.type == "multi" and isinstance(raw, str):
                raw = [part.strip() for part in raw.replace("，", ",").split(",") if part.strip()]
            cleaned = clean_value(custom_field, raw if raw != "" else None)
            if cleaned is not None:
                custom[custom_field.key] = cleaned
        full, initials = name_keys(name)
        customer = Customer(
            organisation_id=self.organisation_id,
            branch_id=self.branch_id,
            name=name,
            name_pinyin=full,
            name_initials=initials,
            gender=gender,
            birthday=birthday,
            phone=phone,
            phone_last4=phone_last4(phone),
            wechat_id=_text(values.get("wechat_id"))[:50],
            id_number_encrypted=crypto.encrypt(id_number),
            id_number_index=crypto.blind_index(id_number),
            id_number_tail=id_number[-4:],
            card_no=card_no,
            source_channel_id=self._lookup(
                DictionaryKind.CHANNEL, values.get("source_channel"), "source_channel"
            ),
            info_source_id=self._lookup(DictionaryKind.INFO_SOURCE, values.get("info_source"), "info_source"),
            region_id=self._lookup(DictionaryKind.REGION, values.get("region"), "region"),
            consultant_id=consultant,
            intention=_text(values.get("intention"))[:200],
            remarks=_text(values.get("remarks"))[:2000],
            custom_values=custom,
            created_by=self.actor,
            updated_by=self.actor,
        )
        return customer, [t for t in tag_ids if t is not None]

    def commit(self, pending: list[Customer], tags: dict[int, list[int]], *, progress: Any = None) -> int:
        """Create the checked customers in batches (each batch one transaction); returns the count.
        PostgreSQL and SQLite ≥ 3.35 return the new primary keys from ``bulk_create``."""
        created = 0
        through = Customer.tags.through
        for start in range(0, len(pending), BATCH):
            batch = pending[start : start + BATCH]
            with transaction.atomic():
                _insert(batch)
                through.objects.bulk_create(
                    [
                        through(customer_id=c.pk, dictionaryitem_id=tag_id)
                        for offset, c in enumerate(batch)
                        for tag_id in tags.get(start + offset, ())
                    ],
                    batch_size=BATCH,
                )
                CardNoChange.objects.bulk_create(
                    [
                        CardNoChange(customer_id=c.pk, old="", new=c.card_no, changed_by=self.actor)
                        for c in batch
                        if c.card_no
                    ],
                    batch_size=BATCH,
                )
            created += len(batch)
            if progress is not None:
                progress(created)
        return created
