"""Reads of the catalog category tree and of projects (CAT-01) with their knowledge base and cases
(CAT-04) and operator fees (CAT-05).

Catalog definitions are organisation reference data: every actor of the organisation with the
view permission sees all of them (the data scope is the organisation); another organisation's rows
are not found. Lists load what their tables show (ancestors of the category path, the department)
so that no row costs a query."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, CharField, F, Model, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, LPad

from medspa.accounts.models import User
from medspa.accounts.scope import scope_queryset
from medspa.catalog.models import (
    Category,
    Project,
    ProjectArticle,
    ProjectCase,
    ProjectLevelPrice,
    ProjectMaterial,
    ProjectOperatorFee,
    ProjectResource,
)
from medspa.core.errors import NotFound
from medspa.core.trees import tree_depth, tree_path
from medspa.customers.models import MemberLevel
from medspa.inventory.models import Item
from medspa.organization.models import Department, Position

__all__ = [
    "CATEGORY_ANCESTORS",
    "ProjectKnowledge",
    "article_get_for",
    "articles_for",
    "case_get_for",
    "cases_for",
    "categories_for",
    "category_depth",
    "category_get_for",
    "category_path",
    "department_choices",
    "item_choices",
    "member_level_choices",
    "position_choices",
    "project_get_for",
    "project_knowledge_for",
    "project_operator_fees",
    "project_search",
    "project_search_condition",
    "projects_for",
]

# The deepest ancestor a category row loads (the services cap the tree at 5 levels).
CATEGORY_ANCESTORS = ("parent", "parent__parent", "parent__parent__parent", "parent__parent__parent__parent")
DEPARTMENT_ANCESTORS = (
    "parent",
    "parent__parent",
    "parent__parent__parent",
    "parent__parent__parent__parent",
)
SEARCH_LIMIT = 20


def _one[M: Model](queryset: QuerySet[M], pk: int) -> M:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _organisation_scope[M: Model](
    queryset: QuerySet[M], actor: User, path: str = "organisation"
) -> QuerySet[M]:
    return scope_queryset(queryset, actor, branch=None, organisation=path)


# --- categories -------------------------------------------------------------------------------------


def _tree_segment(path: str = "") -> Case | Concat:
    """``0000000010INJ/`` for one level (sibling order zero-padded, then the code); ``""`` where
    the ancestor does not exist."""
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


def categories_for(actor: User) -> QuerySet[Category]:
    """The organisation's catalog category tree in tree order (``tree_key``), ancestors loaded so
    that paths and indentation render without further queries."""
    queryset = Category.objects.select_related(*CATEGORY_ANCESTORS).annotate(
        tree_key=Concat(
            *(_tree_segment(path) for path in reversed(CATEGORY_ANCESTORS)),
            _tree_segment(),
            output_field=CharField(),
        )
    )
    return _organisation_scope(queryset.order_by("tree_key", "pk"), actor)


def category_get_for(actor: User, pk: int) -> Category:
    """One category of the actor's organisation (ancestors loaded); NotFound otherwise."""
    return _one(categories_for(actor), pk)


def category_path(category: Category | None, separator: str = " / ") -> str:
    """``注射美容 / 玻尿酸`` from the ancestors loaded by :func:`categories_for`."""
    return tree_path(category, separator)


def category_depth(category: Category) -> int:
    """0 for a root, 1 for its children, …"""
    return tree_depth(category)


# --- projects ---------------------------------------------------------------------------------------


def project_search_condition(query: str) -> Q:
    """Projects whose code or name contains ``query``, or whose pinyin key (full pinyin and
    initials, e.g. ``boniaosuan bns``) contains it without spaces."""
    text = query.strip()
    compact = text.lower().replace(" ", "")
    return Q(code__icontains=text) | Q(name__icontains=text) | Q(pinyin__contains=compact)


def projects_for(actor: User) -> QuerySet[Project]:
    """The organisation's projects by code, for the list: the category with its ancestors (the
    category path) and the department with its branch are loaded in the same query."""
    queryset = Project.objects.select_related(
        "category", *(f"category__{path}" for path in CATEGORY_ANCESTORS), "department__branch"
    ).order_by("code", "pk")
    return _organisation_scope(queryset, actor)


def project_get_for(actor: User, pk: int) -> Project:
    """One project with every child row loaded: member-level prices (with their level), required
    resources, the BOM (with each item) and the operator fees (with each position). Cases and
    articles are read through :func:`cases_for` / :func:`articles_for`."""
    queryset = projects_for(actor).prefetch_related(
        Prefetch(
            "level_prices",
            queryset=ProjectLevelPrice.objects.select_related("member_level").order_by(
                "member_level__order", "member_level_id"
            ),
        ),
        Prefetch("resources", queryset=ProjectResource.objects.order_by("pk")),
        Prefetch("materials", queryset=ProjectMaterial.objects.select_related("item").order_by("pk")),
        Prefetch(
            "operator_fees",
            queryset=ProjectOperatorFee.objects.select_related("position").order_by(
                "position__order", "position__code", "pk"
            ),
        ),
    )
    return _one(queryset, pk)


def project_search(actor: User, q: str, limit: int = SEARCH_LIMIT) -> list[Project]:
    """Active projects for a picker: an exact code first, then by code; matches code, name, full
    pinyin or initials. An empty query finds nothing."""
    text = (q or "").strip()[:100]
    if not text:
        return []
    limit = max(1, min(int(limit), 100))
    queryset = (
        projects_for(actor)
        .filter(is_active=True)
        .filter(project_search_condition(text))
        .annotate(exact=Case(When(code__iexact=text, then=Value(0)), default=Value(1)))
        .order_by("exact", "code", "pk")
    )
    return list(queryset[:limit])


def project_operator_fees(project_id: int) -> dict[int, Decimal]:
    """The operation fee per session of each position that operates the project (CAT-05):
    ``{position_id: fee}``; empty for a project without operators. For labour cost and operator
    commission; the caller has already fetched the project within its actor's scope."""
    rows = ProjectOperatorFee.objects.filter(project_id=project_id).values_list("position_id", "fee")
    return dict(rows)


# --- knowledge base and cases (CAT-04) --------------------------------------------------------------


def articles_for(actor: User) -> QuerySet[ProjectArticle]:
    """Knowledge articles of the organisation's projects, in their order."""
    queryset = ProjectArticle.objects.select_related("project").order_by("project_id", "order", "pk")
    return _organisation_scope(queryset, actor, "project__organisation")


def article_get_for(actor: User, pk: int) -> ProjectArticle:
    return _one(articles_for(actor), pk)


def cases_for(actor: User, *, editing: bool = False) -> QuerySet[ProjectCase]:
    """Cases of the organisation's projects, in their order. Only cases whose customer consented
    to showing them are listed, unless ``editing`` (the staff who edit cases see every case)."""
    queryset = ProjectCase.objects.select_related("project").order_by("project_id", "order", "pk")
    if not editing:
        queryset = queryset.filter(consent_confirmed=True)
    return _organisation_scope(queryset, actor, "project__organisation")


def case_get_for(actor: User, pk: int, *, editing: bool = False) -> ProjectCase:
    return _one(cases_for(actor, editing=editing), pk)


@dataclass(frozen=True)
class ProjectKnowledge:
    """What a consultant shows while consulting: the project (price, sessions, duration,
    aftercare, member prices), its active articles and its active cases with consent."""

    project: Project
    articles: list[ProjectArticle]
    cases: list[ProjectCase]


def project_knowledge_for(actor: User, pk: int) -> ProjectKnowledge:
    """The consultation view of one project of the actor's organisation (NotFound otherwise):
    only active articles and active, consented cases."""
    project = project_get_for(actor, pk)
    articles = list(ProjectArticle.objects.filter(project=project, is_active=True).order_by("order", "pk"))
    cases = list(
        ProjectCase.objects.filter(project=project, is_active=True, consent_confirmed=True).order_by(
            "order", "pk"
        )
    )
    return ProjectKnowledge(project=project, articles=articles, cases=cases)


# --- choices for the editor -------------------------------------------------------------------------


def department_choices(actor: User) -> QuerySet[Department]:
    """Departments of every branch of the actor's organisation (a project is organisation data),
    branch and ancestors loaded for their labels, in branch and tree order."""
    queryset = Department.objects.select_related("branch", *DEPARTMENT_ANCESTORS).order_by(
        "branch__code", "order", "code", "pk"
    )
    return scope_queryset(queryset, actor, branch=None, organisation="branch__organisation")


def member_level_choices(actor: User) -> QuerySet[MemberLevel]:
    """The organisation's member levels in their order (inactive ones too: the caller filters)."""
    return _organisation_scope(MemberLevel.objects.order_by("order", "pk"), actor)


def position_choices(actor: User) -> QuerySet[Position]:
    """The organisation's positions (doctor, nurse …) in their order."""
    return _organisation_scope(Position.objects.order_by("order", "code", "pk"), actor)


def item_choices(actor: User) -> QuerySet[Item]:
    """The organisation's inventory items (for the BOM), by code."""
    return _organisation_scope(Item.objects.order_by("code", "pk"), actor)
