"""Writes for dictionaries (PLT-06), system parameters (PLT-07) and visit-flow stages (PLT-08).

Every service checks the permission first, validates everything before it writes, and records
one audit event (module ``configuration``) inside its transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max, Model
from django.utils.translation import gettext as _

from medspa.accounts.choices import DataScope
from medspa.accounts.models import User
from medspa.accounts.scope import active_branch_id, actor_organisation_id, effective_scope, require_perm
from medspa.audit.services import audit_record, diff, snapshot
from medspa.configuration import params
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.dictionaries import KIND_SPECS, MAX_TREE_DEPTH
from medspa.configuration.models import DictionaryItem, ParameterValue, VisitStage
from medspa.core.errors import NotFound, ValidationError
from medspa.core.ordering import reorder
from medspa.core.validation import MAX_ORDER, clean_code, clean_order, clean_text, save_unique
from medspa.organization.models import Branch

__all__ = [
    "dictionary_item_create",
    "dictionary_item_deactivate",
    "dictionary_item_update",
    "parameter_reset",
    "parameter_set",
    "visit_stage_create",
    "visit_stage_deactivate",
    "visit_stage_update",
    "visit_stages_reorder",
]

MODULE = "configuration"
DICTIONARY_FIELDS = ("kind", "parent", "code", "name", "order", "is_active", "colour", "multiple")
VISIT_STAGE_FIELDS = ("code", "name", "order", "is_active")


# --- shared checks -----------------------------------------------------------------------------


def _audit(actor: User, action: str, obj: Model, before: dict[str, Any], fields: Iterable[str]) -> None:
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=obj,
        changes=diff(before, snapshot(obj, fields)),
        organisation_id=getattr(obj, "organisation_id", None),
    )


def _locked(model: type[Model], organisation_id: int, pk: int, **filters: Any) -> Any:
    obj = (
        model._default_manager.select_for_update()
        .filter(pk=pk, organisation_id=organisation_id, **filters)
        .first()
    )
    if obj is None:
        raise NotFound()
    return obj


# --- system parameters (PLT-07) -------------------------------------------------------------------


def _spec(key: str) -> params.ParamSpec:
    try:
        return params.spec_for(key)
    except KeyError:
        raise NotFound(_("There is no system parameter %(key)s.") % {"key": key}) from None


def _parameter_branch(actor: User, organisation_id: int, branch_id: int | None) -> int | None:
    """The branch of an override: one of the organisation's branches; a user who does not see the
    whole organisation may override only for the branch they work in."""
    if branch_id is None:
        return None
    exists = Branch.objects.filter(pk=branch_id, organisation_id=organisation_id).exists()
    if not exists:
        raise ValidationError(_("That branch does not exist."), field="branch_id")
    if effective_scope(actor) != DataScope.ORGANISATION and branch_id != active_branch_id(actor):
        raise ValidationError(_("You may only change the branch you work in."), field="branch_id")
    return branch_id


def _parameter_audit(
    actor: User, action: str, spec: params.ParamSpec, row: ParameterValue, before: Any, after: Any
) -> None:
    """One event per change; the object is the parameter key (rows come and go with resets)."""
    audit_record(
        actor=actor,
        module=MODULE,
        action=action,
        obj=row,
        changes=diff({"value": before}, {"value": after}),
        branch_id=row.branch_id,
        organisation_id=row.organisation_id,
        object_id=spec.key,
        object_repr=str(spec.label),
    )


def _level(branch_id: int | None) -> dict[str, Any]:
    """The lookup of the organisation's row (no branch) or one branch's override."""
    return {"branch__isnull": True} if branch_id is None else {"branch_id": branch_id}


@transaction.atomic(durable=True)
def parameter_set(*, actor: User, key: str, value: Any, branch_id: int | None = None) -> ParameterValue:
    """Set parameter ``key`` for the actor's organisation, or override it for one branch.

    ``value`` may be typed or text from a form; it is checked against the parameter's type,
    limits and choices. The cached values are invalidated when the transaction commits."""
    spec = _spec(key)
    require_perm(actor, "configuration.view_parametervalue")
    require_perm(actor, spec.permission)
    organisation_id = actor_organisation_id(actor)
    branch_id = _parameter_branch(actor, organisation_id, branch_id)
    stored = spec.to_storage(spec.clean(value))
    row = (
        ParameterValue.objects.select_for_update()
        .filter(organisation_id=organisation_id, key=key, **_level(branch_id))
        .first()
    )
    if row is None:
        row = ParameterValue(
            organisation_id=organisation_id, branch_id=branch_id, key=key, created_by=actor, updated_by=actor
        )
        before, action = None, "create"
    else:
        before, action = row.value, "update"
    if before == stored and action == "update":
        return row
    row.value = stored
    row.updated_by = actor
    save_unique(row, field="value", message=_("The parameter was changed at the same time. Try again."))
    _parameter_audit(actor, action, spec, row, before, stored)
    params.invalidate_on_commit(organisation_id)
    return row


@transaction.atomic(durable=True)
def parameter_reset(*, actor: User, key: str, branch_id: int | None = None) -> None:
    """Remove the organisation's value (back to the default) or a branch's override (back to the
    organisation's value). Resetting a parameter that has no value there does nothing."""
    spec = _spec(key)
    require_perm(actor, "configuration.view_parametervalue")
    require_perm(actor, spec.permission)
    organisation_id = actor_organisation_id(actor)
    branch_id = _parameter_branch(actor, organisation_id, branch_id)
    row = (
        ParameterValue.objects.select_for_update()
        .filter(organisation_id=organisation_id, key=key, **_level(branch_id))
        .first()
    )
    if row is None:
        return
    before = row.value
    row.delete()
    _parameter_audit(actor, "reset", spec, row, before, None)
    params.invalidate_on_commit(organisation_id)


# --- dictionaries (PLT-06) -------------------------------------------------------------------------


def _kind(kind: str) -> DictionaryKind:
    try:
        return DictionaryKind(kind)
    except ValueError:
        raise NotFound(_("There is no dictionary %(kind)s.") % {"kind": kind}) from None


def _parent(
    organisation_id: int, kind: DictionaryKind, parent_id: int | None, item: DictionaryItem | None = None
) -> DictionaryItem | None:
    """Check the parent: allowed for this kind, of the right kind, same organisation, no cycle,
    not deeper than ``MAX_TREE_DEPTH``."""
    spec = KIND_SPECS[kind]
    if parent_id is None:
        if spec.parent_required:
            raise ValidationError(
                _("Choose the %(parent)s.") % {"parent": KIND_SPECS[spec.parent_kind].singular},  # type: ignore[index]
                field="parent",
            )
        return None
    if spec.parent_kind is None:
        raise ValidationError(_("Entries of this dictionary have no parent."), field="parent")
    parent = DictionaryItem.objects.filter(pk=parent_id, organisation_id=organisation_id).first()
    if parent is None:
        raise ValidationError(_("The parent does not exist."), field="parent")
    if parent.kind != spec.parent_kind:
        raise ValidationError(
            _("The parent must be one of the %(kind)s.") % {"kind": DictionaryKind(spec.parent_kind).label},
            field="parent",
        )
    if spec.parent_kind == kind:
        depth = 1
        node: DictionaryItem | None = parent
        seen: set[int] = set()
        while node is not None:
            if item is not None and node.pk == item.pk:
                raise ValidationError(
                    _("An entry cannot be placed under itself or its children."), field="parent"
                )
            if node.pk in seen:  # a broken tree: refuse rather than loop
                raise ValidationError(
                    _("An entry cannot be placed under itself or its children."), field="parent"
                )
            seen.add(node.pk)
            depth += 1
            node = (
                DictionaryItem.objects.filter(pk=node.parent_id).first()
                if node.parent_id is not None
                else None
            )
        depth += _subtree_height(item) if item is not None else 0
        if depth > MAX_TREE_DEPTH:
            raise ValidationError(
                _("The tree may have at most %(max)s levels.") % {"max": MAX_TREE_DEPTH}, field="parent"
            )
    return parent


def _subtree_height(item: DictionaryItem) -> int:
    """Levels below ``item`` (0 for a leaf)."""
    height = 0
    frontier = [item.pk]
    while frontier:
        frontier = list(DictionaryItem.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        if frontier:
            height += 1
        if height > MAX_TREE_DEPTH:
            break
    return height


def _dictionary_fields(kind: DictionaryKind, name: str, colour: str, multiple: bool) -> tuple[str, str, bool]:
    spec = KIND_SPECS[kind]
    name = clean_text(name, field="name", max_length=100, label=_("name"))
    colour = (colour or "").strip() if spec.has_colour else ""
    if colour and not _is_colour(colour):
        raise ValidationError(_("Enter a colour like #1f77b4."), field="colour")
    return name, colour, bool(multiple) if spec.has_multiple else False


def _is_colour(value: str) -> bool:
    return len(value) == 7 and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:])


def _duplicate_code_message(code: str) -> str:
    return _("The code %(code)s is already used in this dictionary.") % {"code": code}


@transaction.atomic(durable=True)
def dictionary_item_create(
    *,
    actor: User,
    kind: str,
    code: str,
    name: str,
    parent_id: int | None = None,
    order: int | None = None,
    colour: str = "",
    multiple: bool = False,
) -> DictionaryItem:
    """Add an entry to one of the organisation's dictionaries. Without ``order`` it goes last."""
    require_perm(actor, "configuration.add_dictionaryitem")
    organisation_id = actor_organisation_id(actor)
    dictionary = _kind(kind)
    code = clean_code(code)
    name, colour, multiple = _dictionary_fields(dictionary, name, colour, multiple)
    parent = _parent(organisation_id, dictionary, parent_id)
    if parent is not None and not parent.is_active:
        raise ValidationError(_("The parent is deactivated."), field="parent")
    if order is None:
        last = DictionaryItem.objects.filter(organisation_id=organisation_id, kind=dictionary).aggregate(
            m=Max("order")
        )["m"]
        order = min((last or 0) + 10, MAX_ORDER)
    order = clean_order(order)
    if DictionaryItem.objects.filter(organisation_id=organisation_id, kind=dictionary, code=code).exists():
        raise ValidationError(_duplicate_code_message(code), field="code")
    item = DictionaryItem(
        organisation_id=organisation_id,
        kind=dictionary,
        parent=parent,
        code=code,
        name=name,
        order=order,
        colour=colour,
        multiple=multiple,
        created_by=actor,
        updated_by=actor,
    )
    save_unique(item, field="code", message=_duplicate_code_message(code))
    _audit(actor, "create", item, {}, DICTIONARY_FIELDS)
    return item


@transaction.atomic(durable=True)
def dictionary_item_update(
    *,
    actor: User,
    item_id: int,
    code: str,
    name: str,
    parent_id: int | None = None,
    order: int | None = None,
    colour: str = "",
    multiple: bool = False,
    is_active: bool | None = None,
    kind: str | None = None,
) -> DictionaryItem:
    """Change an entry (its kind never changes; pass ``kind`` to refuse an entry of another
    dictionary as not found). ``is_active=True`` reactivates a deactivated entry; ``False``
    deactivates it like :func:`dictionary_item_deactivate` (which needs the delete permission)."""
    require_perm(actor, "configuration.change_dictionaryitem")
    organisation_id = actor_organisation_id(actor)
    filters = {"kind": _kind(kind)} if kind is not None else {}
    item: DictionaryItem = _locked(DictionaryItem, organisation_id, item_id, **filters)
    deactivate = is_active is False and item.is_active
    if deactivate:
        require_perm(actor, "configuration.delete_dictionaryitem")
    dictionary = DictionaryKind(item.kind)
    before = snapshot(item, DICTIONARY_FIELDS)
    code = clean_code(code)
    name, colour, multiple = _dictionary_fields(dictionary, name, colour, multiple)
    parent = _parent(organisation_id, dictionary, parent_id, item)
    if (
        parent is not None
        and not parent.is_active
        and (parent.pk != item.parent_id or (is_active is True and not item.is_active))
    ):
        raise ValidationError(_("The parent is deactivated."), field="parent")
    order = item.order if order is None else clean_order(order)
    if (
        DictionaryItem.objects.filter(organisation_id=organisation_id, kind=dictionary, code=code)
        .exclude(pk=item.pk)
        .exists()
    ):
        raise ValidationError(_duplicate_code_message(code), field="code")
    item.code, item.name, item.parent, item.order = code, name, parent, order
    item.colour, item.multiple = colour, multiple
    if is_active:
        item.is_active = True
    if snapshot(item, DICTIONARY_FIELDS) != before:
        item.updated_by = actor
        save_unique(item, field="code", message=_duplicate_code_message(code))
        _audit(actor, "update", item, before, DICTIONARY_FIELDS)
    if deactivate:
        _deactivate_tree(actor, item)
    return item


@transaction.atomic(durable=True)
def dictionary_item_deactivate(*, actor: User, item_id: int, kind: str | None = None) -> DictionaryItem:
    """Hide an entry from new choices (records that use it keep it). Its active children are
    deactivated with it, each with its own audit event. Deactivating twice is harmless."""
    require_perm(actor, "configuration.delete_dictionaryitem")
    organisation_id = actor_organisation_id(actor)
    filters = {"kind": _kind(kind)} if kind is not None else {}
    item: DictionaryItem = _locked(DictionaryItem, organisation_id, item_id, **filters)
    _deactivate_tree(actor, item)
    return item


def _deactivate_tree(actor: User, item: DictionaryItem) -> None:
    if item.is_active:
        before = snapshot(item, DICTIONARY_FIELDS)
        item.is_active = False
        item.updated_by = actor
        item.save(update_fields=["is_active", "updated_by", "updated_at"])
        _audit(actor, "deactivate", item, before, DICTIONARY_FIELDS)
    children = DictionaryItem.objects.select_for_update().filter(parent=item, is_active=True).order_by("pk")
    for child in children:
        _deactivate_tree(actor, child)


# --- visit-flow stages (PLT-08) --------------------------------------------------------------------


def _duplicate_stage_message(code: str) -> str:
    return _("The code %(code)s is already used by another stage.") % {"code": code}


@transaction.atomic(durable=True)
def visit_stage_create(*, actor: User, code: str, name: str, order: int | None = None) -> VisitStage:
    """Add a stage to the organisation's visit flow; without ``order`` it goes last."""
    require_perm(actor, "configuration.add_visitstage")
    organisation_id = actor_organisation_id(actor)
    code = clean_code(code)
    name = clean_text(name, field="name", max_length=100, label=_("name"))
    if order is None:
        last = VisitStage.objects.filter(organisation_id=organisation_id).aggregate(m=Max("order"))["m"]
        order = min((last or 0) + 10, MAX_ORDER)
    order = clean_order(order)
    if VisitStage.objects.filter(organisation_id=organisation_id, code=code).exists():
        raise ValidationError(_duplicate_stage_message(code), field="code")
    stage = VisitStage(
        organisation_id=organisation_id,
        code=code,
        name=name,
        order=order,
        created_by=actor,
        updated_by=actor,
    )
    save_unique(stage, field="code", message=_duplicate_stage_message(code))
    _audit(actor, "create", stage, {}, VISIT_STAGE_FIELDS)
    return stage


@transaction.atomic(durable=True)
def visit_stage_update(
    *,
    actor: User,
    stage_id: int,
    code: str,
    name: str,
    order: int | None = None,
    is_active: bool | None = None,
) -> VisitStage:
    """Rename or recode a stage, move it (``order``), reactivate it (``is_active=True``) or
    deactivate it (``False``, needs the delete permission)."""
    require_perm(actor, "configuration.change_visitstage")
    organisation_id = actor_organisation_id(actor)
    stage: VisitStage = _locked(VisitStage, organisation_id, stage_id)
    deactivate = is_active is False and stage.is_active
    if deactivate:
        require_perm(actor, "configuration.delete_visitstage")
    before = snapshot(stage, VISIT_STAGE_FIELDS)
    code = clean_code(code)
    name = clean_text(name, field="name", max_length=100, label=_("name"))
    order = stage.order if order is None else clean_order(order)
    if VisitStage.objects.filter(organisation_id=organisation_id, code=code).exclude(pk=stage.pk).exists():
        raise ValidationError(_duplicate_stage_message(code), field="code")
    stage.code, stage.name, stage.order = code, name, order
    if is_active:
        stage.is_active = True
    if snapshot(stage, VISIT_STAGE_FIELDS) != before:
        stage.updated_by = actor
        save_unique(stage, field="code", message=_duplicate_stage_message(code))
        _audit(actor, "update", stage, before, VISIT_STAGE_FIELDS)
    if deactivate:
        _deactivate_stage(actor, stage)
    return stage


@transaction.atomic(durable=True)
def visit_stage_deactivate(*, actor: User, stage_id: int) -> VisitStage:
    """Take a stage out of the flow (kept for past visits). Deactivating twice is harmless."""
    require_perm(actor, "configuration.delete_visitstage")
    organisation_id = actor_organisation_id(actor)
    stage: VisitStage = _locked(VisitStage, organisation_id, stage_id)
    _deactivate_stage(actor, stage)
    return stage


def _deactivate_stage(actor: User, stage: VisitStage) -> None:
    if stage.is_active:
        before = snapshot(stage, VISIT_STAGE_FIELDS)
        stage.is_active = False
        stage.updated_by = actor
        stage.save(update_fields=["is_active", "updated_by", "updated_at"])
        _audit(actor, "deactivate", stage, before, VISIT_STAGE_FIELDS)


@transaction.atomic(durable=True)
def visit_stages_reorder(*, actor: User, ids: list[int]) -> list[VisitStage]:
    """Put the organisation's stages in the order of ``ids`` (every stage, each once): orders
    become 10, 20, 30… One audit event per stage whose order changed."""
    require_perm(actor, "configuration.change_visitstage")
    organisation_id = actor_organisation_id(actor)
    stages = list(
        VisitStage.objects.select_for_update().filter(organisation_id=organisation_id).order_by("pk")
    )

    def move(stage: VisitStage, order: int) -> None:
        before = snapshot(stage, VISIT_STAGE_FIELDS)
        stage.order = order
        stage.updated_by = actor
        stage.save(update_fields=["order", "updated_by", "updated_at"])
        _audit(actor, "update", stage, before, VISIT_STAGE_FIELDS)

    return reorder(
        stages,
        ids,
        on_change=move,
        repeated_message=_("Each stage may appear only once."),
        incomplete_message=_("List every stage of the visit flow exactly once."),
    )
