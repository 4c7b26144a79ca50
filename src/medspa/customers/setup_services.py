"""Writes of the CRM setup: custom-field definitions (CRM-02) and member levels (MBR-01).

Every service checks the permission first, validates everything before it writes, and records
one audit event (module ``customers``) per changed definition inside its transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Max, Model, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext as _

from medspa.accounts import selectors as account_selectors
from medspa.accounts.models import User
from medspa.accounts.scope import actor_organisation_id, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.core import money
from medspa.core.errors import NotFound, ValidationError
from medspa.core.ordering import reorder
from medspa.core.validation import MAX_ORDER, clean_order, clean_text, save_unique
from medspa.customers.choices import FieldType
from medspa.customers.models import Customer, CustomField, MemberLevel

__all__ = [
    "customfield_create",
    "customfield_deactivate",
    "customfield_update",
    "customfields_reorder",
    "memberlevel_create",
    "memberlevel_deactivate",
    "memberlevel_export_record",
    "memberlevel_update",
]

MODULE = "customers"
CUSTOM_FIELD_FIELDS = (
    "key",
    "label",
    "type",
    "options",
    "required",
    "show_in_list",
    "editable_by",
    "order",
    "is_active",
)
MEMBER_LEVEL_FIELDS = (
    "name",
    "discount_percent",
    "points_multiplier",
    "upgrade_amount",
    "downgrade_amount",
    "window_days",
    "order",
    "is_active",
)

KEY_MAX_LENGTH = 32
LABEL_MAX_LENGTH = 50
OPTION_MAX_LENGTH = 50
MAX_OPTIONS = 100
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI)
NAME_MAX_LENGTH = 50
MAX_WINDOW_DAYS = 3650
HUNDRED = Decimal(100)
_KEY = re.compile(r"[a-z][a-z0-9_]*")


# --- shared ----------------------------------------------------------------------------------------


def _audit(actor: User, action: str, obj: Model, before: dict[str, Any], fields: Iterable[str]) -> None:
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=obj,
        changes=diff(before, snapshot(obj, fields)),
        organisation_id=getattr(obj, "organisation_id", None),
    )


def _locked[M: Model](model: type[M], organisation_id: int, pk: int) -> M:
    obj = model._default_manager.select_for_update().filter(pk=pk, organisation_id=organisation_id).first()
    if obj is None:
        raise NotFound()
    return obj


def _last_order(queryset: QuerySet[Any]) -> int:
    last = queryset.aggregate(m=Max("order"))["m"]
    return int(min((last or 0) + 10, MAX_ORDER))


def _customers(organisation_id: int) -> QuerySet[Customer]:
    """The organisation's customers whose values count (merged-away duplicates do not)."""
    return Customer.objects.filter(organisation_id=organisation_id, merged_into=None)


# --- custom fields (CRM-02) ------------------------------------------------------------------------


def _clean_key(value: str | None) -> str:
    key = clean_text(value, field="key", max_length=KEY_MAX_LENGTH, label=_("field key"))
    if not _KEY.fullmatch(key) or "__" in key:
        raise ValidationError(
            _(
                "The field key may contain only lower-case letters, digits and single underscores, "
                "and must start with a letter (e.g. skin_type)."
            ),
            field="key",
        )
    return key


def _clean_type(value: str | None) -> FieldType:
    if value not in FieldType.values:
        raise ValidationError(_("Choose a field type from the list."), field="type")
    return FieldType(value)


def _short(text: str, length: int = 20) -> str:
    return text if len(text) <= length else text[:length] + "…"


def _clean_options(field_type: FieldType, options: Sequence[Any] | None) -> list[str]:
    """Single and multiple choice: at least one option, each trimmed, unique and at most 50
    characters (blank lines are dropped). Other types: no options at all."""
    if options is None:
        options = []
    if isinstance(options, str) or not isinstance(options, list | tuple):
        raise ValidationError(_("Send the options as a list of texts."), field="options")
    cleaned = [str(option).strip() for option in options if option is not None]
    cleaned = [option for option in cleaned if option]
    if field_type not in CHOICE_TYPES:
        if cleaned:
            raise ValidationError(
                _("Only single-choice and multiple-choice fields have options."), field="options"
            )
        return []
    if not cleaned:
        raise ValidationError(_("Enter at least one option."), field="options")
    if len(cleaned) > MAX_OPTIONS:
        raise ValidationError(
            _("A field may have at most %(max)s options.") % {"max": MAX_OPTIONS}, field="options"
        )
    seen: set[str] = set()
    for option in cleaned:
        if len(option) > OPTION_MAX_LENGTH:
            raise ValidationError(
                _("The option %(option)s is longer than %(max)s characters.")
                % {"option": _short(option), "max": OPTION_MAX_LENGTH},
                field="options",
            )
        if option in seen:
            raise ValidationError(
                _("The option %(option)s is listed twice.") % {"option": option}, field="options"
            )
        seen.add(option)
    return cleaned


def _clean_roles(actor: User, ids: Iterable[int] | None) -> list[Group] | None:
    """The roles that may edit the field: roles the actor can see. ``None`` leaves them as they are."""
    if ids is None:
        return None
    wanted = set(ids)
    if not wanted:
        return []
    roles = list(account_selectors.roles_for(actor).filter(pk__in=wanted))
    if len(roles) != len(wanted):
        raise ValidationError(_("Choose roles from the list."), field="editable_by")
    return roles


def _duplicate_key_message(key: str) -> str:
    return _("The field key %(key)s is already used by another custom field (perhaps a deactivated one).") % {
        "key": key
    }


def _customers_with_value(organisation_id: int, key: str) -> int:
    return _customers(organisation_id).filter(custom_values__has_key=key).count()


def _option_usage(organisation_id: int, field: CustomField, options: list[str]) -> dict[str, int]:
    """How many customers hold each of ``options`` in ``field`` (0 when none)."""
    holders = _customers(organisation_id).filter(custom_values__has_key=field.key)
    value = KeyTransform(field.key, "custom_values")
    if field.type == FieldType.CHOICE:
        return {option: holders.annotate(v=value).filter(v=option).count() for option in options}
    if connection.vendor == "postgresql":
        return {
            option: holders.annotate(v=value).filter(**{"v__contains": [option]}).count()
            for option in options
        }
    # SQLite has no JSON containment: count in Python (the embedded default serves small clinics).
    usage = dict.fromkeys(options, 0)
    for stored in holders.annotate(v=value).values_list("v", flat=True).iterator(chunk_size=2000):
        for option in {str(item) for item in (stored if isinstance(stored, list) else [stored])}:
            if option in usage:
                usage[option] += 1
    return usage


def _check_stored_values(
    organisation_id: int, field: CustomField, new_type: FieldType, options: list[str]
) -> None:
    """Refuse a change that would leave customers with values the field no longer accepts: a new
    type while values are stored, or the removal of an option still chosen."""
    if new_type != field.type:
        count = _customers_with_value(organisation_id, field.key)
        if count:
            raise ValidationError(
                _(
                    "%(count)s customers have a value in this field, so its type cannot change. "
                    "Add a new field instead."
                )
                % {"count": count},
                field="type",
            )
        return
    if new_type not in CHOICE_TYPES:
        return
    current = [str(option) for option in (field.options or [])]
    removed = [option for option in current if option not in options]
    if not removed:
        return
    usage = _option_usage(organisation_id, field, removed)
    for option in removed:
        if usage[option]:
            raise ValidationError(
                _(
                    "The option %(option)s is still chosen for %(count)s customers; "
                    "change their values before removing it."
                )
                % {"option": option, "count": usage[option]},
                field="options",
            )


@transaction.atomic(durable=True)
def customfield_create(
    *,
    actor: User,
    key: str,
    label: str,
    type: str,  # the model's field name
    options: Sequence[str] | None = None,
    required: bool = False,
    show_in_list: bool = False,
    editable_by: Iterable[int] | None = None,
    order: int | None = None,
) -> CustomField:
    """Define a custom field of the customer profile; without ``order`` it goes last. The key is
    fixed for good: customers' values are stored under it."""
    require_perm(actor, "customers.add_customfield")
    organisation_id = actor_organisation_id(actor)
    key = _clean_key(key)
    label = clean_text(label, field="label", max_length=LABEL_MAX_LENGTH, label=_("display name"))
    field_type = _clean_type(type)
    cleaned_options = _clean_options(field_type, options)
    roles = _clean_roles(actor, editable_by) or []
    fields = CustomField.objects.filter(organisation_id=organisation_id)
    order = _last_order(fields) if order is None else clean_order(order)
    if fields.filter(key=key).exists():
        raise ValidationError(_duplicate_key_message(key), field="key")
    field = CustomField(
        organisation_id=organisation_id,
        key=key,
        label=label,
        type=field_type,
        options=cleaned_options,
        required=bool(required),
        show_in_list=bool(show_in_list),
        order=order,
        created_by=actor,
        updated_by=actor,
    )
    save_unique(field, field="key", message=_duplicate_key_message(key))
    if roles:
        field.editable_by.set(roles)
    _audit(actor, "create", field, {}, CUSTOM_FIELD_FIELDS)
    return field


@transaction.atomic(durable=True)
def customfield_update(
    *,
    actor: User,
    field_id: int,
    label: str,
    type: str,  # the model's field name
    options: Sequence[str] | None = None,
    required: bool = False,
    show_in_list: bool = False,
    editable_by: Iterable[int] | None = None,
    order: int | None = None,
    is_active: bool | None = None,
    key: str | None = None,
) -> CustomField:
    """Change a definition. ``key`` may be sent but never changed; ``editable_by=None`` keeps the
    roles; ``is_active=True`` reactivates, ``False`` deactivates (needs the delete permission).
    A new type is refused while customers hold values, and so is removing an option in use."""
    require_perm(actor, "customers.change_customfield")
    organisation_id = actor_organisation_id(actor)
    field = _locked(CustomField, organisation_id, field_id)
    deactivate = is_active is False and field.is_active
    if deactivate:
        require_perm(actor, "customers.delete_customfield")
    if key is not None and key.strip() != field.key:
        raise ValidationError(_("The field key cannot be changed after the field was created."), field="key")
    before = snapshot(field, CUSTOM_FIELD_FIELDS)
    label = clean_text(label, field="label", max_length=LABEL_MAX_LENGTH, label=_("display name"))
    field_type = _clean_type(type)
    cleaned_options = _clean_options(field_type, options)
    roles = _clean_roles(actor, editable_by)
    order = field.order if order is None else clean_order(order)
    _check_stored_values(organisation_id, field, field_type, cleaned_options)
    field.label, field.type, field.options = label, field_type, cleaned_options
    field.required, field.show_in_list, field.order = bool(required), bool(show_in_list), order
    if is_active:
        field.is_active = True
    if roles is not None and sorted(r.pk for r in roles) != before["editable_by"]:
        field.editable_by.set(roles)
    if snapshot(field, CUSTOM_FIELD_FIELDS) != before:
        field.updated_by = actor
        field.save()
        _audit(actor, "update", field, before, CUSTOM_FIELD_FIELDS)
    if deactivate:
        _deactivate_field(actor, field)
    return field


@transaction.atomic(durable=True)
def customfield_deactivate(*, actor: User, field_id: int) -> CustomField:
    """Take a field off the customer forms and lists. Stored values stay in the database; the
    field can be reactivated. Deactivating twice is harmless."""
    require_perm(actor, "customers.delete_customfield")
    organisation_id = actor_organisation_id(actor)
    field = _locked(CustomField, organisation_id, field_id)
    _deactivate_field(actor, field)
    return field


def _deactivate_field(actor: User, field: CustomField) -> None:
    if field.is_active:
        before = snapshot(field, CUSTOM_FIELD_FIELDS)
        field.is_active = False
        field.updated_by = actor
        field.save(update_fields=["is_active", "updated_by", "updated_at"])
        _audit(actor, "deactivate", field, before, CUSTOM_FIELD_FIELDS)


@transaction.atomic(durable=True)
def customfields_reorder(*, actor: User, ids: list[int]) -> list[CustomField]:
    """Put the organisation's custom fields in the order of ``ids`` (every field, each once):
    orders become 10, 20, 30… One audit event per field whose order changed."""
    require_perm(actor, "customers.change_customfield")
    organisation_id = actor_organisation_id(actor)
    fields = list(
        CustomField.objects.select_for_update().filter(organisation_id=organisation_id).order_by("pk")
    )

    def move(field: CustomField, order: int) -> None:
        before = snapshot(field, CUSTOM_FIELD_FIELDS)
        field.order = order
        field.updated_by = actor
        field.save(update_fields=["order", "updated_by", "updated_at"])
        _audit(actor, "update", field, before, CUSTOM_FIELD_FIELDS)

    return reorder(
        fields,
        ids,
        on_change=move,
        repeated_message=_("Each custom field may appear only once."),
        incomplete_message=_("List every custom field exactly once."),
    )


# --- member levels (MBR-01) ------------------------------------------------------------------------


def _decimal(value: Any, *, field: str, message: str) -> Decimal:
    if value is None or isinstance(value, bool):
        raise ValidationError(message, field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(message, field=field) from None
    if not number.is_finite():
        raise ValidationError(message, field=field)
    return number


def _two_places(number: Decimal, *, field: str, label: str) -> Decimal:
    """``number`` (already within a small range) with two decimal places; more are refused."""
    quantized = number.quantize(money.FEN)
    if quantized != number:
        raise ValidationError(
            _("The %(field)s may have at most 2 decimal places.") % {"field": label}, field=field
        )
    return quantized


def _clean_discount(value: Any) -> Decimal:
    message = _("The discount must be more than 0 and at most 100 (95 means the member pays 95%).")
    number = _decimal(value, field="discount_percent", message=message)
    if not Decimal(0) < number <= HUNDRED:
        raise ValidationError(message, field="discount_percent")
    return _two_places(number, field="discount_percent", label=_("discount"))


def _clean_multiplier(value: Any) -> Decimal:
    message = _("The points multiplier must be between 0 and 100.")
    number = _decimal(value, field="points_multiplier", message=message)
    if not Decimal(0) <= number <= HUNDRED:
        raise ValidationError(message, field="points_multiplier")
    return _two_places(number, field="points_multiplier", label=_("points multiplier"))


def _clean_amount(value: Any, *, field: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValidationError(_("Enter a valid amount, for example 1234.50."), field=field)
    if isinstance(value, float):
        value = str(value)
    try:
        amount = money.parse(value if isinstance(value, int | Decimal) else str(value), field=field)
    except InvalidOperation:  # an exponent beyond any precision
        raise ValidationError(_("The amount is too large."), field=field) from None
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative."), field=field)
    return amount


def _clean_window(value: Any) -> int:
    message = _("The spending window must be between 1 and %(max)s days.") % {"max": MAX_WINDOW_DAYS}
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 6:
        days = int(value.strip())
    else:
        raise ValidationError(message, field="window_days")
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise ValidationError(message, field="window_days")
    return days


def _clean_level(
    *,
    name: str,
    discount_percent: Any,
    points_multiplier: Any,
    upgrade_amount: Any,
    downgrade_amount: Any,
    window_days: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": clean_text(name, field="name", max_length=NAME_MAX_LENGTH, label=_("name")),
        "discount_percent": _clean_discount(discount_percent),
        "points_multiplier": _clean_multiplier(points_multiplier),
        "upgrade_amount": _clean_amount(upgrade_amount, field="upgrade_amount"),
        "downgrade_amount": _clean_amount(downgrade_amount, field="downgrade_amount"),
        "window_days": _clean_window(window_days),
    }
    if data["downgrade_amount"] > data["upgrade_amount"]:
        raise ValidationError(
            _("The downgrade threshold may not be higher than the upgrade threshold."),
            field="downgrade_amount",
        )
    return data


def _duplicate_level_message(name: str) -> str:
    return _("A member level named %(name)s already exists (perhaps a deactivated one).") % {"name": name}


@transaction.atomic(durable=True)
def memberlevel_create(
    *,
    actor: User,
    name: str,
    discount_percent: Decimal | str | int = 100,
    points_multiplier: Decimal | str | int = 1,
    upgrade_amount: Decimal | str | int = 0,
    downgrade_amount: Decimal | str | int = 0,
    window_days: int = 365,
    order: int | None = None,
) -> MemberLevel:
    """Add a member level; without ``order`` it goes last."""
    require_perm(actor, "customers.add_memberlevel")
    organisation_id = actor_organisation_id(actor)
    data = _clean_level(
        name=name,
        discount_percent=discount_percent,
        points_multiplier=points_multiplier,
        upgrade_amount=upgrade_amount,
        downgrade_amount=downgrade_amount,
        window_days=window_days,
    )
    levels = MemberLevel.objects.filter(organisation_id=organisation_id)
    order = _last_order(levels) if order is None else clean_order(order)
    if levels.filter(name=data["name"]).exists():
        raise ValidationError(_duplicate_level_message(data["name"]), field="name")
    level = MemberLevel(
        organisation_id=organisation_id, order=order, created_by=actor, updated_by=actor, **data
    )
    save_unique(level, field="name", message=_duplicate_level_message(data["name"]))
    _audit(actor, "create", level, {}, MEMBER_LEVEL_FIELDS)
    return level


@transaction.atomic(durable=True)
def memberlevel_update(
    *,
    actor: User,
    level_id: int,
    name: str,
    discount_percent: Decimal | str | int,
    points_multiplier: Decimal | str | int,
    upgrade_amount: Decimal | str | int,
    downgrade_amount: Decimal | str | int,
    window_days: int,
    order: int | None = None,
    is_active: bool | None = None,
) -> MemberLevel:
    """Change a level; ``is_active=True`` reactivates it, ``False`` deactivates it like
    :func:`memberlevel_deactivate` (needs the delete permission; refused while customers hold it)."""
    require_perm(actor, "customers.change_memberlevel")
    organisation_id = actor_organisation_id(actor)
    level = _locked(MemberLevel, organisation_id, level_id)
    deactivate = is_active is False and level.is_active
    if deactivate:
        require_perm(actor, "customers.delete_memberlevel")
    before = snapshot(level, MEMBER_LEVEL_FIELDS)
    data = _clean_level(
        name=name,
        discount_percent=discount_percent,
        points_multiplier=points_multiplier,
        upgrade_amount=upgrade_amount,
        downgrade_amount=downgrade_amount,
        window_days=window_days,
    )
    order = level.order if order is None else clean_order(order)
    if (
        MemberLevel.objects.filter(organisation_id=organisation_id, name=data["name"])
        .exclude(pk=level.pk)
        .exists()
    ):
        raise ValidationError(_duplicate_level_message(data["name"]), field="name")
    if deactivate:
        _check_no_holders(level)
    for name_, value in data.items():
        setattr(level, name_, value)
    level.order = order
    if is_active:
        level.is_active = True
    if snapshot(level, MEMBER_LEVEL_FIELDS) != before:
        level.updated_by = actor
        save_unique(level, field="name", message=_duplicate_level_message(data["name"]))
        _audit(actor, "update", level, before, MEMBER_LEVEL_FIELDS)
    if deactivate:
        _deactivate_level(actor, level)
    return level


@transaction.atomic(durable=True)
def memberlevel_deactivate(*, actor: User, level_id: int) -> MemberLevel:
    """Stop offering a level. Refused while active customers hold it (the message says how many).
    Deactivating twice is harmless."""
    require_perm(actor, "customers.delete_memberlevel")
    organisation_id = actor_organisation_id(actor)
    level = _locked(MemberLevel, organisation_id, level_id)
    if level.is_active:
        _check_no_holders(level)
    _deactivate_level(actor, level)
    return level


def _check_no_holders(level: MemberLevel) -> None:
    holders = Customer.objects.filter(member_level=level, is_active=True, merged_into=None).count()
    if holders:
        raise ValidationError(
            _("%(count)s active customers hold the level %(name)s; move them to another level first.")
            % {"count": holders, "name": level.name},
            field="is_active",
        )


def _deactivate_level(actor: User, level: MemberLevel) -> None:
    if level.is_active:
        before = snapshot(level, MEMBER_LEVEL_FIELDS)
        level.is_active = False
        level.updated_by = actor
        level.save(update_fields=["is_active", "updated_by", "updated_at"])
        _audit(actor, "deactivate", level, before, MEMBER_LEVEL_FIELDS)


def memberlevel_export_record(*, actor: User, query: str) -> None:
    """Record that ``actor`` exported the member-level list (``query``: the filters used)."""
    require_perm(actor, "customers.export_memberlevel")
    audit_record(
        actor=actor,
        module=MODULE,
        action="export",
        object_type=MemberLevel._meta.label_lower,
        object_id="",
        object_repr=str(MemberLevel._meta.verbose_name_plural),
        organisation_id=actor_organisation_id(actor),
        message=query[:300],
    )
