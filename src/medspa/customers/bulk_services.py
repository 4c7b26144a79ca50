"""Bulk maintenance (CRM-08): change the owner, tags, source channel or a custom field of many
customers at once, and merge two duplicate customers. Both are audited per customer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.configuration.choices import DictionaryKind
from medspa.core.errors import NotFound, ValidationError
from medspa.customers import selectors
from medspa.customers.custom_fields import active_fields, clean_value, may_edit
from medspa.customers.models import CardNoChange, Complaint, Consultation, Customer, CustomerFile
from medspa.customers.services import CUSTOMER_FIELDS, MODULE, check_dictionary, check_staff, check_tags

MAX_BULK = 5000
UNSET: Any = object()


@dataclass
class BulkChange:
    """What to change; fields left UNSET are not touched. ``custom`` maps a key to a value."""

    consultant_id: Any = UNSET
    source_channel_id: Any = UNSET
    add_tag_ids: Sequence[int] = ()
    remove_tag_ids: Sequence[int] = ()
    custom: dict[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return (
            self.consultant_id is UNSET
            and self.source_channel_id is UNSET
            and not self.add_tag_ids
            and not self.remove_tag_ids
            and not self.custom
        )


def _locked_customers(actor: User, ids: Iterable[int]) -> list[Customer]:
    wanted = sorted(set(ids))
    if not wanted:
        raise ValidationError(_("Choose at least one customer."), field="customers")
    if len(wanted) > MAX_BULK:
        raise ValidationError(
            _("At most %(max)s customers can be changed at once.") % {"max": MAX_BULK}, field="customers"
        )
    customers = list(
        selectors.customers_for(actor).select_for_update(of=("self",)).filter(pk__in=wanted).order_by("pk")
    )
    if len(customers) != len(wanted):
        raise NotFound(
            _("%(count)s of the chosen customers do not exist or are outside what you may see.")
            % {"count": len(wanted) - len(customers)}
        )
    return customers


@transaction.atomic(durable=True)
def customer_bulk_change(*, actor: User, customer_ids: Iterable[int], change: BulkChange) -> int:
    """Apply ``change`` to every chosen customer (all or nothing); returns how many changed."""
    require_perm(actor, "customers.bulk_change_customer")
    require_perm(actor, "customers.change_customer")
    if change.is_empty():
        raise ValidationError(_("Choose what to change."), field="__all__")
    customers = _locked_customers(actor, customer_ids)
    org = customers[0].organisation_id
    consultant = (
        check_staff(org, change.consultant_id, "consultant") if change.consultant_id is not UNSET else UNSET
    )
    channel = (
        check_dictionary(org, change.source_channel_id, DictionaryKind.CHANNEL, "source_channel")
        if change.source_channel_id is not UNSET
        else UNSET
    )
    add_tags = check_tags(org, change.add_tag_ids) if change.add_tag_ids else []
    remove_ids = set(change.remove_tag_ids)
    fields = {f.key: f for f in active_fields(org)}
    custom: dict[str, Any] = {}
    for key, raw in change.custom.items():
        if key not in fields:
            raise ValidationError(_("There is no custom field %(key)s.") % {"key": key}, field="custom")
        if not may_edit(actor, fields[key]):
            raise ValidationError(
                _("Your role may not edit %(label)s.") % {"label": fields[key].label}, field=f"custom.{key}"
            )
        custom[key] = clean_value(fields[key], raw)
    changed = 0
    for customer in customers:
        before = snapshot(customer, CUSTOMER_FIELDS)
        if consultant is not UNSET:
            customer.consultant = consultant
        if channel is not UNSET:
            customer.source_channel = channel
        values = dict(customer.custom_values or {})
        for key, value in custom.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        customer.custom_values = values
        if add_tags or remove_ids:
            current = {t.pk: t for t in customer.tags.all()}
            for pk in remove_ids:
                current.pop(pk, None)
            for tag in add_tags:
                if tag.parent is not None and not tag.parent.multiple:
                    current = {k: t for k, t in current.items() if t.parent_id != tag.parent_id}
                current[tag.pk] = tag
            customer.tags.set(current.values())
        customer.updated_by = actor
        customer.save()
        changes = diff(before, snapshot(customer, CUSTOMER_FIELDS))
        if changes:
            changed += 1
            audit_record(
                actor=actor,
                module=MODULE,
                action="bulk_update",
                obj=customer,
                changes=changes,
                branch_id=customer.branch_id,
            )
    return changed


# --- merge ---------------------------------------------------------------------------------------

MergeStep = Callable[[Customer, Customer], int]
_MERGE_STEPS: dict[str, MergeStep] = {}


def register_merge_step(name: str, step: MergeStep) -> None:
    """Apps that keep rows per customer (orders, appointments, treatments …) register a step that
    moves them from the duplicate (second argument) to the kept customer (first); it returns how
    many rows moved. Steps run inside the merge transaction."""
    _MERGE_STEPS[name] = step


def _move(model: type, keep: Customer, duplicate: Customer) -> int:
    return int(model._default_manager.filter(customer=duplicate).update(customer=keep))  # type: ignore[attr-defined]


register_merge_step("consultations", lambda keep, dup: _move(Consultation, keep, dup))
register_merge_step("complaints", lambda keep, dup: _move(Complaint, keep, dup))
register_merge_step("files", lambda keep, dup: _move(CustomerFile, keep, dup))
register_merge_step("card_changes", lambda keep, dup: _move(CardNoChange, keep, dup))
register_merge_step(
    "referrals",
    lambda keep, dup: (
        Customer.objects.filter(referrer_customer=dup).exclude(pk=keep.pk).update(referrer_customer=keep)
    ),
)

# Profile fields the kept customer takes from the duplicate when its own are empty.
_FILL = (
    "phone",
    "phone_last4",
    "wechat_id",
    "id_number_encrypted",
    "id_number_index",
    "id_number_tail",
    "card_no",
    "birthday",
    "source_channel_id",
    "info_source_id",
    "region_id",
    "referrer_staff_id",
    "consultant_id",
    "doctor_id",
    "intention",
    "member_level_id",
    "external_id",
)


@dataclass(frozen=True)
class MergeResult:
    customer: Customer
    moved: dict[str, int]


@transaction.atomic(durable=True)
def customer_merge(*, actor: User, keep_id: int, duplicate_id: int) -> MergeResult:
    """Merge ``duplicate`` into ``keep``: every linked record moves, empty profile fields are
    filled from the duplicate, tags and custom values are united (the kept values win), visits
    add up; the duplicate stays as an inactive row pointing to the kept one (``merged_into``)."""
    require_perm(actor, "customers.merge_customer")
    if keep_id == duplicate_id:
        raise ValidationError(_("Choose two different customers."), field="duplicate")
    keep, duplicate = _pair(actor, keep_id, duplicate_id)
    before_keep = snapshot(keep, CUSTOMER_FIELDS)
    before_dup = snapshot(duplicate, CUSTOMER_FIELDS)
    taken = {
        name: getattr(duplicate, name)
        for name in _FILL
        if not getattr(keep, name) and getattr(duplicate, name)
    }
    unique_values = {
        "phone": duplicate.phone,
        "card_no": duplicate.card_no,
        "external_id": duplicate.external_id,
    }
    # free the duplicate's unique values before the kept customer takes them
    Customer.objects.filter(pk=duplicate.pk).update(
        phone="", phone_last4="", card_no="", external_id="", is_active=False, merged_into=keep
    )
    for name, value in taken.items():
        setattr(keep, name, value)
    for name in ("phone", "card_no", "external_id"):
        if name in taken:
            setattr(keep, name, unique_values[name])
    keep.custom_values = {**(duplicate.custom_values or {}), **(keep.custom_values or {})}
    keep.visit_count = F("visit_count") + duplicate.visit_count
    if duplicate.first_visit_at and (
        keep.first_visit_at is None or duplicate.first_visit_at < keep.first_visit_at
    ):
        keep.first_visit_at = duplicate.first_visit_at
    if duplicate.last_visit_at and (
        keep.last_visit_at is None or duplicate.last_visit_at > keep.last_visit_at
    ):
        keep.last_visit_at = duplicate.last_visit_at
    keep.updated_by = actor
    keep.save()
    keep.refresh_from_db()
    keep.tags.add(*duplicate.tags.all())
    moved = {name: step(keep, duplicate) for name, step in _MERGE_STEPS.items()}
    duplicate.refresh_from_db()
    audit_record(
        actor=actor,
        module=MODULE,
        action="merge",
        obj=keep,
        changes=diff(before_keep, snapshot(keep, CUSTOMER_FIELDS)),
        branch_id=keep.branch_id,
        message=_("Merged customer no %(pk)s (%(name)s); moved: %(moved)s")
        % {
            "pk": duplicate.pk,
            "name": duplicate.name,
            "moved": ", ".join(f"{k} {v}" for k, v in moved.items()),
        },
    )
    audit_record(
        actor=actor,
        module=MODULE,
        action="merged_away",
        obj=duplicate,
        changes=diff(before_dup, snapshot(duplicate, CUSTOMER_FIELDS)),
        branch_id=duplicate.branch_id,
        message=_("Merged into customer no %(pk)s") % {"pk": keep.pk},
    )
    return MergeResult(customer=keep, moved=moved)


def _pair(actor: User, keep_id: int, duplicate_id: int) -> tuple[Customer, Customer]:
    rows = {
        c.pk: c
        for c in selectors.customers_for(actor)
        .select_for_update(of=("self",))
        .filter(pk__in=[keep_id, duplicate_id])
        .order_by("pk")
    }
    if keep_id not in rows or duplicate_id not in rows:
        raise NotFound()
    return rows[keep_id], rows[duplicate_id]
