"""System parameters (系统参数) — PLT-07: a registry of typed parameters with defaults, and one cached
accessor.

Apps declare their parameters in ``AppConfig.ready()``::

    from medspa.configuration.params import ParamSpec, register

    register(ParamSpec(key="crm.dormant_days", label=_("Dormant after (days)"), type="int",
                       default=180, group=_("Customers"), min_value=1))

and read them anywhere with ``param_value("crm.dormant_days", organisation_id=…, branch_id=…)``:
a branch override wins over the organisation's value, which wins over the default. Values are
cached per organisation in Django's cache under a version that every change replaces, so every
process sharing the cache sees a change at once (with a per-process cache such as locmem, other
processes see it after ``CACHE_SECONDS`` at the latest). Writes go through
``configuration.services.parameter_set`` / ``parameter_reset``.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.core.cache import cache
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medspa.core.errors import ValidationError

ParamType = Literal["int", "bool", "str", "decimal", "choice"]
PARAM_TYPES: tuple[str, ...] = ("int", "bool", "str", "decimal", "choice")
DEFAULT_PERMISSION = "configuration.change_parametervalue"
CACHE_SECONDS = 60
STR_MAX_LENGTH = 1000
_MISSING = object()


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its key (``<app>.<name>``), label, type, default and limits.

    ``choices`` is a sequence of values or of ``(value, label)`` pairs; it is required for
    ``type="choice"`` (string values) and allowed for the other types (e.g. int minutes).
    ``permission`` is the permission needed to change it."""

    key: str
    label: str | Promise
    type: ParamType
    default: Any
    group: str | Promise
    min_value: Any = None
    max_value: Any = None
    choices: Sequence[Any] | None = None
    help_text: str | Promise = ""
    permission: str = DEFAULT_PERMISSION
    _choice_pairs: tuple[tuple[Any, str | Promise], ...] = field(
        default=(), init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter {self.key}: unknown type {self.type!r}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"parameter {self.key}: a choice parameter needs choices")
        pairs: list[tuple[Any, str | Promise]] = []
        for choice in self.choices or ():
            if isinstance(choice, list | tuple):
                value, label = choice
            else:
                value, label = choice, str(choice)
            pairs.append((_typed(self, value), label))
        object.__setattr__(self, "_choice_pairs", tuple(pairs))
        try:
            self.clean(self.default)
        except ValidationError as exc:
            raise ValueError(f"parameter {self.key}: invalid default: {exc.message}") from exc

    @property
    def choice_pairs(self) -> tuple[tuple[Any, str | Promise], ...]:
        """``((value, label), …)`` with typed values; empty when the parameter has no choices."""
        return self._choice_pairs

    def clean(self, raw: Any) -> Any:
        """``raw`` (a typed value, or text from a form) as this parameter's type, within its limits
        and choices; raises ``ValidationError(field="value")`` with a clear message otherwise."""
        value = _typed(self, raw)
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                _("The value must be at least %(min)s.") % {"min": self.min_value}, field="value"
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                _("The value must be at most %(max)s.") % {"max": self.max_value}, field="value"
            )
        if self._choice_pairs and value not in {v for v, _label in self._choice_pairs}:
            allowed = "、".join(str(label) for _v, label in self._choice_pairs)
            raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": allowed}, field="value")
        return value

    def to_storage(self, value: Any) -> Any:
        """The JSON form of a cleaned value (decimals as strings)."""
        return str(value) if self.type == "decimal" else value

    def from_storage(self, stored: Any) -> Any:
        """The typed value of a stored one; the default if it no longer fits the spec."""
        try:
            return self.clean(stored)
        except ValidationError:
            return self.default

    def display(self, value: Any) -> str:
        """The value as a person reads it (choice label, 是/否)."""
        for choice, label in self._choice_pairs:
            if choice == value:
                return str(label)
        if self.type == "bool":
            return str(gettext_lazy("Yes") if value else gettext_lazy("No"))
        return str(value)


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _typed(spec: ParamSpec, raw: Any) -> Any:
    if spec.type == "int":
        if isinstance(raw, bool):
            raise ValidationError(_("Enter a whole number."), field="value")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and raw.strip().lstrip("+-").isdigit():
            return int(raw.strip())
        if isinstance(raw, Decimal | float) and math.isfinite(raw) and raw == int(raw):
            return int(raw)
        raise ValidationError(_("Enter a whole number."), field="value")
    if spec.type == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise ValidationError(_("Enter yes or no."), field="value")
    if spec.type == "decimal":
        if isinstance(raw, bool) or not isinstance(raw, Decimal | int | str | float):
            raise ValidationError(_("Enter a number."), field="value")
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValidationError(_("Enter a number."), field="value") from None
        if not value.is_finite():
            raise ValidationError(_("Enter a number."), field="value")
        return value
    # str and choice
    if not isinstance(raw, str):
        raise ValidationError(_("Enter text."), field="value")
    if len(raw) > STR_MAX_LENGTH:
        raise ValidationError(
            _("Ensure this value has at most %(limit)s characters.") % {"limit": STR_MAX_LENGTH},
            field="value",
        )
    return raw.strip()


# --- registry ---------------------------------------------------------------------------------

_registry: dict[str, ParamSpec] = {}


def register(spec: ParamSpec) -> ParamSpec:
    """Declare a parameter (call from ``AppConfig.ready``). Registering the same key twice with a
    different spec is a programming error."""
    existing = _registry.get(spec.key)
    if existing is not None and existing != spec:
        raise ValueError(f"parameter {spec.key} is already registered differently")
    _registry[spec.key] = spec
    return spec


def specs() -> list[ParamSpec]:
    """Every registered parameter, ordered by group and key."""
    return sorted(_registry.values(), key=lambda s: (str(s.group), s.key))


def spec_for(key: str) -> ParamSpec:
    """The spec of ``key``; ``KeyError`` when nobody registered it."""
    return _registry[key]


# --- cached reading ---------------------------------------------------------------------------


def _pending(organisation_id: int) -> bool:
    """Whether this connection's open transaction changed the organisation's values: its
    after-commit invalidation is still queued (a rollback or a commit removes it)."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        return False
    return any(
        getattr(entry[1], "params_organisation_id", None) == organisation_id for entry in conn.run_on_commit
    )


def _version_key(organisation_id: int) -> str:
    return f"medspa:params:version:{organisation_id}"


def _version(organisation_id: int) -> str:
    key = _version_key(organisation_id)
    version = cache.get(key)
    if version is None:
        # A fresh random version: an evicted version never brings back values cached under it.
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key) or uuid.uuid4().hex
    return str(version)


def bump_version(organisation_id: int) -> None:
    """Make every process drop the organisation's cached values."""
    cache.set(_version_key(organisation_id), f"{time.time_ns():x}-{uuid.uuid4().hex[:8]}", timeout=None)


def _load(organisation_id: int) -> dict[tuple[int | None, str], Any]:
    from medspa.configuration.models import ParameterValue

    rows = ParameterValue.objects.filter(organisation_id=organisation_id).values_list(
        "branch_id", "key", "value"
    )
    return {(branch_id, key): value for branch_id, key, value in rows}


def organisation_values(organisation_id: int) -> dict[tuple[int | None, str], Any]:
    """All stored values of the organisation: ``{(branch_id or None, key): stored JSON}``, cached."""
    if _pending(organisation_id):
        return _load(organisation_id)  # our own uncommitted change: read it, never cache it
    data_key = f"medspa:params:{organisation_id}:{_version(organisation_id)}"
    data = cache.get(data_key)
    if data is None:
        data = _load(organisation_id)
        cache.set(data_key, data, timeout=CACHE_SECONDS)
    return data


def _branch_organisation_id(branch_id: int) -> int | None:
    key = f"medspa:params:branch-org:{branch_id}"
    organisation_id = cache.get(key)
    if organisation_id is None:
        from medspa.organization.models import Branch

        organisation_id = (
            Branch.objects.filter(pk=branch_id).values_list("organisation_id", flat=True).first()
        )
        if organisation_id is not None:
            cache.set(key, organisation_id, timeout=None)  # a branch never changes organisation
    return organisation_id


def resolve(key: str, *, organisation_id: int | None = None, branch_id: int | None = None) -> tuple[Any, str]:
    """``(typed value, source)`` with source ``"branch"``, ``"organisation"`` or ``"default"``."""
    spec = spec_for(key)
    if organisation_id is None and branch_id is not None:
        organisation_id = _branch_organisation_id(branch_id)
    if organisation_id is None:
        return spec.default, "default"
    data = organisation_values(organisation_id)
    if branch_id is not None:
        stored = data.get((branch_id, key), _MISSING)
        if stored is not _MISSING:
            return spec.from_storage(stored), "branch"
    stored = data.get((None, key), _MISSING)
    if stored is not _MISSING:
        return spec.from_storage(stored), "organisation"
    return spec.default, "default"


def param_value(key: str, *, organisation_id: int | None = None, branch_id: int | None = None) -> Any:
    """The effective, typed value of parameter ``key``: the branch's override, else the
    organisation's value, else the default. Without an organisation (and no branch) the default."""
    return resolve(key, organisation_id=organisation_id, branch_id=branch_id)[0]


def param_value_for(actor: Any, key: str) -> Any:
    """The value for the actor's organisation and the branch the actor works in now."""
    from medspa.accounts.scope import active_branch_id

    return param_value(key, organisation_id=actor.organisation_id, branch_id=active_branch_id(actor))


def invalidate_on_commit(organisation_id: int) -> None:
    """Called by the parameter services inside their transaction: until it ends this connection
    reads the organisation's values from the database; after the commit every process does."""
    bump_version(organisation_id)

    def after_commit() -> None:
        bump_version(organisation_id)

    after_commit.params_organisation_id = organisation_id  # type: ignore[attr-defined]
    transaction.on_commit(after_commit)


# --- the configuration app's own parameters ---------------------------------------------------


def register_builtin() -> None:
    _ = gettext_lazy
    register(
        ParamSpec(
            key="crm.dormant_days",
            label=_("Customer dormant after (days)"),
            type="int",
            default=180,
            group=_("Customers"),
            min_value=1,
            max_value=3650,
            help_text=_("A customer without a visit for this many days counts as dormant (沉睡)."),
        )
    )
    register(
        ParamSpec(
            key="crm.lost_days",
            label=_("Customer lost after (days)"),
            type="int",
            default=365,
            group=_("Customers"),
            min_value=1,
            max_value=3650,
            help_text=_("A customer without a visit for this many days counts as lost (流失)."),
        )
    )
    register(
        ParamSpec(
            key="booking.slot_minutes",
            label=_("Appointment slot (minutes)"),
            type="int",
            default=30,
            group=_("Appointments"),
            choices=(10, 15, 20, 30, 60),
            help_text=_("The grid of the appointment calendar."),
        )
    )
    register(
        ParamSpec(
            key="sales.rounding",
            label=_("Rounding of amounts due"),
            type="choice",
            default="fen",
            group=_("Sales"),
            choices=(
                ("fen", _("To the fen (0.01)")),
                ("jiao", _("To the jiao (0.10)")),
                ("yuan", _("To the yuan (1.00)")),
            ),
            help_text=_("How the cashier rounds the amount a customer pays (half up)."),
        )
    )
