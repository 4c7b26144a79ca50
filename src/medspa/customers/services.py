"""Writes of customer profiles (CRM-01/02/03/12): create, update, tags, card no history, the
audited full view of contact data, lifecycle recomputation. Every write is audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts.models import User
from medspa.accounts.scope import active_branch_id, actor_organisation_id, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.configuration import params
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.core import crypto
from medspa.core.errors import NotFound, ValidationError
from medspa.core.validation import clean_text, save_unique
from medspa.customers import selectors
from medspa.customers.choices import Gender
from medspa.customers.custom_fields import clean_custom_values
from medspa.customers.id_numbers import normalize_id_number
from medspa.customers.lifecycle import lifecycle_status
from medspa.customers.models import CardNoChange, Customer
from medspa.customers.search import name_keys, phone_last4
from medspa.organization.models import Branch, Staff
from medspa.organization.phones import normalize_phone

MODULE = "customers"
CUSTOMER_FIELDS = (
    "name",
    "gender",
    "birthday",
    "phone",
    "wechat_id",
    "id_number_index",
    "card_no",
    "source_channel",
    "info_source",
    "region",
    "referrer_customer",
    "referrer_staff",
    "consultant",
    "doctor",
    "intention",
    "remarks",
    "member_level",
    "tags",
    "custom_values",
    "status",
    "is_active",
)


@dataclass
class CustomerInput:
    """What a profile form or API body carries; ``custom`` holds only the custom fields sent."""

    name: str
    phone: str = ""
    gender: str = Gender.UNKNOWN
    birthday: datetime.date | None = None
    wechat_id: str = ""
    id_number: str | None = None  # None: leave the stored one; "": clear it
    card_no: str = ""
    source_channel_id: int | None = None
    info_source_id: int | None = None
    region_id: int | None = None
    referrer_customer_id: int | None = None
    referrer_staff_id: int | None = None
    consultant_id: int | None = None
    doctor_id: int | None = None
    intention: str = ""
    remarks: str = ""
    tag_ids: Iterable[int] | None = None  # None: leave the tags as they are
    custom: dict[str, Any] = field(default_factory=dict)
    external_id: str = ""


# --- checks ---------------------------------------------------------------------------------------


def _phone(actor: User, organisation_id: int, raw: str, exclude_pk: int | None) -> str:
    phone = normalize_phone(raw)
    if not phone:
        return ""
    holder = _others(organisation_id, exclude_pk).filter(phone=phone).first()
    if holder is not None:
        raise ValidationError(_duplicate_message(actor, holder, _("phone")), field="phone")
    return phone


def _card_no(actor: User, organisation_id: int, raw: str, exclude_pk: int | None) -> str:
    card_no = (raw or "").strip()
    if not card_no:
        return ""
    if len(card_no) > 32:
        raise ValidationError(_("The card no may have at most 32 characters."), field="card_no")
    holder = _others(organisation_id, exclude_pk).filter(card_no=card_no).first()
    if holder is not None:
        raise ValidationError(_duplicate_message(actor, holder, _("card no")), field="card_no")
    return card_no


def _others(organisation_id: int, exclude_pk: int | None) -> QuerySet[Customer]:
    queryset = Customer.objects.filter(organisation_id=organisation_id)
    return queryset.exclude(pk=exclude_pk) if exclude_pk is not None else queryset


def _duplicate_message(actor: User, holder: Customer, what: str) -> str:
    """Name the holder when the actor may see her, else only say it is taken (no leak)."""
    if selectors.customers_for(actor).filter(pk=holder.pk).exists():
        return _("This %(what)s belongs to %(name)s (customer no %(pk)s).") % {
            "what": what,
            "name": holder.name,
            "pk": holder.pk,
        }
    return _("This %(what)s belongs to another customer.") % {"what": what}


def _birthday(value: datetime.date | None) -> datetime.date | None:
    if value is None:
        return None
    if value > timezone.localdate():
        raise ValidationError(_("The birthday cannot be in the future."), field="birthday")
    if value.year < 1900:
        raise ValidationError(_("Enter a birthday after 1900."), field="birthday")
    return value


def _gender(value: str) -> str:
    if value not in Gender.values:
        raise ValidationError(_("Choose a gender."), field="gender")
    return value


def check_dictionary(
    organisation_id: int, pk: int | None, kind: DictionaryKind, field_name: str
) -> DictionaryItem | None:
    if pk is None:
        return None
    item = DictionaryItem.objects.filter(
        pk=pk, organisation_id=organisation_id, kind=kind, is_active=True
    ).first()
    if item is None:
        raise ValidationError(_("Choose an active entry from the list."), field=field_name)
    return item


def check_tags(organisation_id: int, ids: Iterable[int]) -> list[DictionaryItem]:
    wanted = set(ids)
    tags = list(
        DictionaryItem.objects.filter(
            pk__in=wanted, organisation_id=organisation_id, kind=DictionaryKind.TAG, is_active=True
        ).select_related("parent")
    )
    if len(tags) != len(wanted):
        raise ValidationError(_("Choose active tags from the list."), field="tags")
    per_group: dict[DictionaryItem, int] = {}
    for tag in tags:
        if tag.parent is not None and not tag.parent.multiple:
            per_group[tag.parent] = per_group.get(tag.parent, 0) + 1
    for group, count in per_group.items():
        if count > 1:
            raise ValidationError(
                _("The tag group %(group)s allows one tag only.") % {"group": group.name}, field="tags"
            )
    return tags


def check_staff(organisation_id: int, pk: int | None, field_name: str) -> Staff | None:
    if pk is None:
        return None
    staff = Staff.objects.filter(pk=pk, organisation_id=organisation_id, is_active=True).first()
    if staff is None:
        raise ValidationError(_("Choose an active staff member."), field=field_name)
    return staff


def _referrer(organisation_id: int, pk: int | None, self_pk: int | None) -> Customer | None:
    if pk is None:
        return None
    if pk == self_pk:
        raise ValidationError(_("A customer cannot refer herself."), field="referrer_customer")
    referrer = Customer.objects.filter(pk=pk, organisation_id=organisation_id, merged_into=None).first()
    if referrer is None:
        raise ValidationError(_("That referrer does not exist."), field="referrer_customer")
    return referrer


def _home_branch(actor: User, organisation_id: int) -> Branch:
    branch_id = active_branch_id(actor)
    branch = (
        Branch.objects.filter(pk=branch_id, organisation_id=organisation_id).first() if branch_id else None
    )
    if branch is None:
        raise ValidationError(_("Choose a branch: you work in no branch."), field="branch")
    return branch


def _apply(actor: User, customer: Customer, data: CustomerInput) -> list[DictionaryItem] | None:
    """Check every field of ``data`` and set it on ``customer``; the tags to set (or None)."""
    org = customer.organisation_id
    pk = customer.pk
    customer.name = clean_text(data.name, field="name", max_length=50, label=_("name"))
    customer.name_pinyin, customer.name_initials = name_keys(customer.name)
    customer.gender = _gender(data.gender)
    customer.birthday = _birthday(data.birthday)
    customer.phone = _phone(actor, org, data.phone, pk)
    customer.phone_last4 = phone_last4(customer.phone)
    customer.wechat_id = (data.wechat_id or "").strip()[:50]
    if data.id_number is not None:
        id_number = normalize_id_number(data.id_number)
        customer.id_number_encrypted = crypto.encrypt(id_number)
        customer.id_number_index = crypto.blind_index(id_number)
        customer.id_number_tail = id_number[-4:]
    customer.card_no = _card_no(actor, org, data.card_no, pk)
    customer.source_channel = check_dictionary(
        org, data.source_channel_id, DictionaryKind.CHANNEL, "source_channel"
    )
    customer.info_source = check_dictionary(
        org, data.info_source_id, DictionaryKind.INFO_SOURCE, "info_source"
    )
    customer.region = check_dictionary(org, data.region_id, DictionaryKind.REGION, "region")
    customer.referrer_customer = _referrer(org, data.referrer_customer_id, pk)
    customer.referrer_staff = check_staff(org, data.referrer_staff_id, "referrer_staff")
    customer.consultant = check_staff(org, data.consultant_id, "consultant")
    customer.doctor = check_staff(org, data.doctor_id, "doctor")
    customer.intention = (data.intention or "").strip()[:200]
    customer.remarks = (data.remarks or "").strip()[:2000]
    customer.custom_values = clean_custom_values(
        actor=actor, organisation_id=org, values=data.custom, current=customer.custom_values or {}
    )
    return None if data.tag_ids is None else check_tags(org, data.tag_ids)


def _snapshot(customer: Customer) -> dict[str, Any]:
    return snapshot(customer, CUSTOMER_FIELDS) if customer.pk else {}


def _audit(actor: User, action: str, customer: Customer, before: dict[str, Any], **extra: Any) -> None:
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=customer,
        changes=diff(before, snapshot(customer, CUSTOMER_FIELDS)),
        branch_id=customer.branch_id,
        **extra,
    )


# --- services -------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def customer_create(*, actor: User, data: CustomerInput) -> Customer:
    """Register a customer in the actor's branch. Without a chosen consultant, the actor (when
    she is a staff member) becomes the owner, so an "own"-scoped consultant sees her customer."""
    require_perm(actor, "customers.add_customer")
    org = actor_organisation_id(actor)
    customer = Customer(
        organisation_id=org, branch=_home_branch(actor, org), created_by=actor, updated_by=actor
    )
    if data.consultant_id is None and actor.staff_id is not None:
        data.consultant_id = actor.staff_id
    tags = _apply(actor, customer, data)
    customer.external_id = (data.external_id or "").strip()[:64]
    save_unique(customer, field="phone", message=_("This phone or card no was registered a moment ago."))
    if tags:
        customer.tags.set(tags)
    if customer.card_no:
        CardNoChange.objects.create(customer=customer, old="", new=customer.card_no, changed_by=actor)
    _audit(actor, "create", customer, {})
    return customer


@transaction.atomic(durable=True)
def customer_update(*, actor: User, customer_id: int, data: CustomerInput) -> Customer:
    require_perm(actor, "customers.change_customer")
    customer = _locked(actor, customer_id)
    before = _snapshot(customer)
    old_card = customer.card_no
    tags = _apply(actor, customer, data)
    customer.updated_by = actor
    save_unique(customer, field="phone", message=_("This phone or card no was registered a moment ago."))
    if tags is not None:
        customer.tags.set(tags)
    if customer.card_no != old_card:
        CardNoChange.objects.create(customer=customer, old=old_card, new=customer.card_no, changed_by=actor)
    _audit(actor, "update", customer, before)
    return customer


@transaction.atomic(durable=True)
def customer_tags_set(*, actor: User, customer_id: int, tag_ids: Iterable[int]) -> Customer:
    require_perm(actor, "customers.change_customer")
    customer = _locked(actor, customer_id)
    before = _snapshot(customer)
    customer.tags.set(check_tags(customer.organisation_id, tag_ids))
    customer.updated_by = actor
    customer.save(update_fields=["updated_by", "updated_at"])
    _audit(actor, "tag", customer, before)
    return customer


@dataclass(frozen=True)
class FullContact:
    phone: str
    id_number: str


def customer_full_contact(*, actor: User, customer_id: int) -> FullContact:
    """The unmasked phone and ID number; needs "view full contact", and every view is audited."""
    require_perm(actor, "customers.view_full_contact")
    customer = selectors.customer_get_for(actor, customer_id)
    audit_record(
        actor=actor,
        module=MODULE,
        action="view_contact",
        obj=customer,
        branch_id=customer.branch_id,
        message=_("Full phone and ID number shown"),
    )
    return FullContact(phone=customer.phone, id_number=crypto.decrypt(customer.id_number_encrypted))


def customer_status_refresh(*, customer: Customer, now: datetime.datetime | None = None) -> bool:
    """Recompute the lifecycle status of one customer (called when a visit is recorded and by the
    daily task); True when it changed. A system change: audited without an actor."""
    now = now or timezone.now()
    org = customer.organisation_id
    status = lifecycle_status(
        visit_count=customer.visit_count,
        last_visit_at=customer.last_visit_at,
        now=now,
        dormant_days=params.param_value(
            "crm.dormant_days", organisation_id=org, branch_id=customer.branch_id
        ),
        lost_days=params.param_value("crm.lost_days", organisation_id=org, branch_id=customer.branch_id),
    )
    if status == customer.status:
        return False
    before = {"status": customer.status}
    Customer.objects.filter(pk=customer.pk).update(status=status)
    customer.status = status
    audit_record(
        actor=None,
        actor_name="system",
        module=MODULE,
        action="status",
        obj=customer,
        changes=diff(before, {"status": status}),
        organisation_id=org,
        branch_id=customer.branch_id,
    )
    return True


def _locked(actor: User, customer_id: int) -> Customer:
    customer = selectors.customers_for(actor).select_for_update(of=("self",)).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound()
    return customer
