"""Reads for dictionaries, system parameters and visit-flow stages. They are organisation-level
reference data: everyone of the organisation sees them (the data scope restricts to it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, LPad

from medspa.accounts.models import User
from medspa.accounts.scope import active_branch_id, scope_queryset
from medspa.configuration import params
from medspa.configuration.choices import DictionaryKind, ParameterSource
from medspa.configuration.dictionaries import KIND_SPECS, MAX_TREE_DEPTH, KindSpec
from medspa.configuration.models import DictionaryItem, VisitStage
from medspa.core.errors import NotFound
from medspa.core.trees import tree_depth, tree_path
from medspa.organization.models import Branch

# The ancestors the dictionary list loads (services cap a tree at MAX_TREE_DEPTH levels).
_ANCESTORS = tuple("__".join(["parent"] * n) for n in range(1, MAX_TREE_DEPTH))


def _tree_segment(path: str = "") -> Case | Concat:
    """``0000000010injection/`` for one level: the sibling order, zero-padded, then the code;
    ``""`` where the ancestor does not exist."""
    prefix = f"{path}__" if path else ""
    segment = Concat(
        LPad(Cast(F(f"{prefix}order"), output_field=CharField()), 10, Value("0")),
        F(f"{prefix}code"),
        Value("/"),
        output_field=CharField(),
    )
    if not path:
        return segment
    return Case(When(**{f"{path}__isnull": True}, then=Value("")), default=segment, output_field=CharField())


def _kind(kind: str) -> DictionaryKind:
    try:
        return DictionaryKind(kind)
    except ValueError:
        raise NotFound() from None


def _organisation_items(queryset: QuerySet[DictionaryItem], actor: User) -> QuerySet[DictionaryItem]:
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def dictionary_items_for(actor: User, kind: str) -> QuerySet[DictionaryItem]:
    """The entries of one dictionary of the actor's organisation, active and inactive, in tree
    order (each row's ``tree_key`` is its root-to-row path; ancestors come with
    ``select_related`` so paths render without further queries)."""
    queryset = (
        DictionaryItem.objects.filter(kind=_kind(kind))
        .select_related(*_ANCESTORS)
        .annotate(
            tree_key=Concat(
                *(_tree_segment(path) for path in reversed(_ANCESTORS)),
                _tree_segment(),
                output_field=CharField(),
            )
        )
        .order_by("tree_key", "pk")
    )
    return _organisation_items(queryset, actor)


def dictionary_item_get_for(actor: User, kind: str, pk: int) -> DictionaryItem:
    item = dictionary_items_for(actor, kind).filter(pk=pk).first()
    if item is None:
        raise NotFound()
    return item


def dictionary_item_path(item: DictionaryItem | None, separator: str = " / ") -> str:
    """``注射类 / 玻尿酸`` from the ancestors loaded by :func:`dictionary_items_for`."""
    return tree_path(item, separator)


def dictionary_item_depth(item: DictionaryItem) -> int:
    return tree_depth(item)


@dataclass(frozen=True)
class KindSummary:
    spec: KindSpec
    total: int
    active: int


def dictionary_kinds_for(actor: User) -> list[KindSummary]:
    """Every dictionary kind with the number of entries of the actor's organisation (one query)."""
    queryset = _organisation_items(DictionaryItem.objects.all(), actor)
    counts: dict[str, dict[str, int]] = {
        row["kind"]: {"total": row["total"], "active": row["active"]}
        for row in queryset.order_by()
        .values("kind")
        .annotate(total=Count("pk"), active=Count("pk", filter=Q(is_active=True)))
    }
    return [
        KindSummary(
            spec=spec,
            total=counts.get(kind, {}).get("total", 0),
            active=counts.get(kind, {}).get("active", 0),
        )
        for kind, spec in KIND_SPECS.items()
    ]


def dictionary_parent_choices(
    actor: User, kind: str, *, exclude: DictionaryItem | None = None
) -> list[tuple[int, str]]:
    """Entries that may be the parent of an entry of ``kind`` (active ones, plus the current
    parent), labelled with their path. Empty for flat kinds."""
    spec = KIND_SPECS[_kind(kind)]
    if spec.parent_kind is None:
        return []
    queryset = dictionary_items_for(actor, spec.parent_kind)
    current_parent = exclude.parent_id if exclude is not None else None
    queryset = queryset.filter(Q(is_active=True) | Q(pk=current_parent))
    result = []
    for item in queryset:
        if exclude is not None and spec.is_tree and _descends_from(item, exclude.pk):
            continue
        result.append((item.pk, dictionary_item_path(item)))
    return result


def _descends_from(item: DictionaryItem, pk: int) -> bool:
    node: DictionaryItem | None = item
    while node is not None:
        if node.pk == pk:
            return True
        node = node.parent
    return False


def dictionary_queryset(organisation_id: int, kind: str) -> QuerySet[DictionaryItem]:
    """Active entries of one dictionary of an organisation in tree order — for other apps'
    ``ModelChoiceField`` querysets and validation (``.filter(pk=…).exists()``)."""
    return (
        DictionaryItem.objects.filter(
            organisation_id=organisation_id, kind=DictionaryKind(kind), is_active=True
        )
        .select_related(*_ANCESTORS)
        .annotate(
            tree_key=Concat(
                *(_tree_segment(path) for path in reversed(_ANCESTORS)),
                _tree_segment(),
                output_field=CharField(),
            )
        )
        .order_by("tree_key", "pk")
    )


def dictionary_choices(organisation_id: int, kind: str) -> list[tuple[int, str]]:
    """``[(pk, label), …]`` of the active entries of one dictionary, for other apps' forms.
    Tree entries are labelled with their path (``线上 / 微信``), tags with their group
    (``客户类型 / VIP``). An entry under a deactivated parent is left out."""
    result = []
    for item in dictionary_queryset(organisation_id, kind):
        node, visible = item.parent, True
        while node is not None:
            visible = visible and node.is_active
            node = node.parent
        if visible:
            result.append((item.pk, dictionary_item_path(item)))
    return result


# --- system parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterRow:
    """One parameter as the parameters page shows it for an organisation and a branch."""

    spec: params.ParamSpec
    value: Any
    source: ParameterSource
    organisation_value: Any  # typed, or None when the organisation has no value
    branch_value: Any  # typed, or None when the branch has no override
    has_organisation_value: bool
    has_branch_value: bool

    @property
    def display(self) -> str:
        return self.spec.display(self.value)

    @property
    def default_display(self) -> str:
        return self.spec.display(self.spec.default)


def parameter_branches_for(actor: User) -> QuerySet[Branch]:
    """Branches whose overrides the actor may see: the organisation's branches."""
    return scope_queryset(
        Branch.objects.order_by("code", "pk"), actor, branch=None, organisation="organisation"
    )


def parameters_for(actor: User, *, branch_id: int | None = None) -> list[ParameterRow]:
    """Every registered parameter with its effective value for the actor's organisation and
    ``branch_id`` (default: the actor's active branch), and where that value comes from."""
    organisation_id = actor.organisation_id if actor.is_authenticated else None
    if organisation_id is None:
        return []
    if branch_id is None:
        branch_id = active_branch_id(actor)
    data = params.organisation_values(organisation_id)
    rows = []
    for spec in params.specs():
        org_stored = data.get((None, spec.key), None)
        has_org = (None, spec.key) in data
        has_branch = branch_id is not None and (branch_id, spec.key) in data
        branch_stored = data.get((branch_id, spec.key)) if has_branch else None
        if has_branch:
            value, source = spec.from_storage(branch_stored), ParameterSource.BRANCH
        elif has_org:
            value, source = spec.from_storage(org_stored), ParameterSource.ORGANISATION
        else:
            value, source = spec.default, ParameterSource.DEFAULT
        rows.append(
            ParameterRow(
                spec=spec,
                value=value,
                source=source,
                organisation_value=spec.from_storage(org_stored) if has_org else None,
                branch_value=spec.from_storage(branch_stored) if has_branch else None,
                has_organisation_value=has_org,
                has_branch_value=has_branch,
            )
        )
    return rows


def parameter_get_for(actor: User, key: str, *, branch_id: int | None = None) -> ParameterRow:
    for row in parameters_for(actor, branch_id=branch_id):
        if row.spec.key == key:
            return row
    raise NotFound()


# --- visit-flow stages -----------------------------------------------------------------------------


def visit_stages_for(actor: User) -> QuerySet[VisitStage]:
    """The visit-flow stages of the actor's organisation, in flow order (inactive ones too)."""
    queryset = VisitStage.objects.order_by("order", "pk")
    return scope_queryset(queryset, actor, branch=None, organisation="organisation")


def visit_stage_get_for(actor: User, pk: int) -> VisitStage:
    stage = visit_stages_for(actor).filter(pk=pk).first()
    if stage is None:
        raise NotFound()
    return stage


def visit_flow(organisation_id: int) -> list[VisitStage]:
    """The active stages of an organisation's visit flow, in order — for other apps."""
    return list(
        VisitStage.objects.filter(organisation_id=organisation_id, is_active=True).order_by("order", "pk")
    )
