"""REST endpoints of the catalog project family: /catalog/categories, /catalog/projects (with their
member prices, resources, BOM and operator fees), and a project's /articles and /cases. Each one
parses its schema and calls the selector or service the pages use."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from medspa.catalog import project_selectors as selectors
from medspa.catalog import project_services as services
from medspa.catalog.models import ProjectArticle, ProjectCase
from medspa.catalog.project_filtersets import (
    ArticleFilterSet,
    CaseFilterSet,
    CategoryFilterSet,
    ProjectFilterSet,
)
from medspa.catalog.project_schemas import (
    ArticleIn,
    ArticleListOut,
    ArticleOut,
    ArticlePatch,
    CaseIn,
    CaseListOut,
    CaseOut,
    CasePatch,
    CategoryFilters,
    CategoryIn,
    CategoryListOut,
    CategoryOut,
    CategoryPatch,
    KnowledgeFilters,
    ProjectDetailOut,
    ProjectFilters,
    ProjectIn,
    ProjectListOut,
    ProjectUpdateIn,
)
from medspa.catalog.project_views import image_response
from medspa.core.api import ListParams, filtered, page
from medspa.core.errors import NotFound, PermissionDenied

router = Router(tags=["catalog: categories and projects"])


def _actor(request: HttpRequest, *perms: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not all(user.has_perm(f"catalog.{perm}") for perm in perms):
        raise PermissionDenied()
    return user


def _merged(current: dict[str, Any], payload: Schema) -> dict[str, Any]:
    """PATCH: the stored values overlaid with the fields the client sent (null clears a field)."""
    return {**current, **payload.dict(exclude_unset=True)}


# --- categories ---------------------------------------------------------------------------------------


@router.get("/catalog/categories", response=CategoryListOut, summary="List catalog categories (tree order)")
def category_list(request: HttpRequest, params: Query[ListParams], filters: Query[CategoryFilters]) -> Any:
    actor = _actor(request, "view_category")
    return page(filtered(request, CategoryFilterSet, selectors.categories_for(actor), filters), params)


@router.post("/catalog/categories", response={201: CategoryOut}, summary="Create a catalog category")
def category_create(request: HttpRequest, payload: CategoryIn) -> Status:
    actor = _actor(request, "view_category")
    category = services.category_create(actor=actor, **payload.dict())
    return Status(201, selectors.category_get_for(actor, category.pk))


@router.get("/catalog/categories/{category_id}", response=CategoryOut, summary="One catalog category")
def category_detail(request: HttpRequest, category_id: int) -> Any:
    return selectors.category_get_for(_actor(request, "view_category"), category_id)


@router.patch("/catalog/categories/{category_id}", response=CategoryOut, summary="Change a catalog category")
def category_update(request: HttpRequest, category_id: int, payload: CategoryPatch) -> Any:
    actor = _actor(request, "view_category", "change_category")
    category = selectors.category_get_for(actor, category_id)
    current = {
        "code": category.code,
        "name": category.name,
        "parent_id": category.parent_id,
        "order": category.order,
    }
    services.category_update(actor=actor, category_id=category.pk, **_merged(current, payload))
    return selectors.category_get_for(actor, category.pk)


@router.post(
    "/catalog/categories/{category_id}/deactivate",
    response=CategoryOut,
    summary="Deactivate a catalog category",
)
def category_deactivate(request: HttpRequest, category_id: int) -> Any:
    actor = _actor(request, "view_category", "change_category")
    services.category_deactivate(actor=actor, category_id=category_id)
    return selectors.category_get_for(actor, category_id)


# --- projects -----------------------------------------------------------------------------------------


def _children(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "level_prices": [services.LevelPriceInput(**row) for row in data.pop("level_prices")],
        "resources": [services.ResourceInput(**row) for row in data.pop("resources")],
        "materials": [services.MaterialInput(**row) for row in data.pop("materials")],
        "operator_fees": [services.OperatorFeeInput(**row) for row in data.pop("operator_fees")],
    }


@router.get(
    "/catalog/projects",
    response=ProjectListOut,
    summary="List projects (search by code, name, pinyin or initials — also for pickers)",
)
def project_list(request: HttpRequest, params: Query[ListParams], filters: Query[ProjectFilters]) -> Any:
    actor = _actor(request, "view_project")
    if filters.search and not filters.q:
        filters.q = filters.search
    filters.search = None
    return page(filtered(request, ProjectFilterSet, selectors.projects_for(actor), filters), params)


@router.post("/catalog/projects", response={201: ProjectDetailOut}, summary="Create a project")
def project_create(request: HttpRequest, payload: ProjectIn) -> Status:
    actor = _actor(request, "view_project")
    data = payload.dict()
    project = services.project_create(actor=actor, **_children(data), **data)
    return Status(201, selectors.project_get_for(actor, project.pk))


@router.get(
    "/catalog/projects/{project_id}",
    response=ProjectDetailOut,
    summary="One project with its member prices, resources, BOM and operator fees",
)
def project_detail(request: HttpRequest, project_id: int) -> Any:
    return selectors.project_get_for(_actor(request, "view_project"), project_id)


@router.put(
    "/catalog/projects/{project_id}",
    response=ProjectDetailOut,
    summary="Replace a project (its member prices, resources, BOM and operator fees are replaced)",
)
def project_update(request: HttpRequest, project_id: int, payload: ProjectUpdateIn) -> Any:
    actor = _actor(request, "view_project")
    data = payload.dict()
    services.project_update(actor=actor, project_id=project_id, **_children(data), **data)
    return selectors.project_get_for(actor, project_id)


@router.post(
    "/catalog/projects/{project_id}/deactivate", response=ProjectDetailOut, summary="Deactivate a project"
)
def project_deactivate(request: HttpRequest, project_id: int) -> Any:
    actor = _actor(request, "view_project")
    services.project_deactivate(actor=actor, project_id=project_id)
    return selectors.project_get_for(actor, project_id)


# --- knowledge articles (CAT-04) ----------------------------------------------------------------------


def _article(actor: Any, project_id: int, article_id: int) -> ProjectArticle:
    article = selectors.article_get_for(actor, article_id)
    if article.project_id != project_id:
        raise NotFound()
    return article


@router.get(
    "/catalog/projects/{project_id}/articles", response=ArticleListOut, summary="List a project's articles"
)
def article_list(
    request: HttpRequest, project_id: int, params: Query[ListParams], filters: Query[KnowledgeFilters]
) -> Any:
    actor = _actor(request, "view_project")
    project = selectors.project_get_for(actor, project_id)
    queryset = selectors.articles_for(actor).filter(project=project)
    return page(filtered(request, ArticleFilterSet, queryset, filters), params)


@router.post("/catalog/projects/{project_id}/articles", response={201: ArticleOut}, summary="Add an article")
def article_create(request: HttpRequest, project_id: int, payload: ArticleIn) -> Status:
    actor = _actor(request, "view_project")
    return Status(201, services.project_article_create(actor=actor, project_id=project_id, **payload.dict()))


@router.patch(
    "/catalog/projects/{project_id}/articles/{article_id}", response=ArticleOut, summary="Change an article"
)
def article_update(request: HttpRequest, project_id: int, article_id: int, payload: ArticlePatch) -> Any:
    actor = _actor(request, "view_project", "change_projectarticle")
    article = _article(actor, project_id, article_id)
    current = {"title": article.title, "body": article.body, "order": article.order}
    return services.project_article_update(actor=actor, article_id=article.pk, **_merged(current, payload))


@router.post(
    "/catalog/projects/{project_id}/articles/{article_id}/deactivate",
    response=ArticleOut,
    summary="Deactivate an article",
)
def article_deactivate(request: HttpRequest, project_id: int, article_id: int) -> Any:
    actor = _actor(request, "view_project", "change_projectarticle")
    article = _article(actor, project_id, article_id)
    return services.project_article_deactivate(actor=actor, article_id=article.pk)


# --- cases (CAT-04) -----------------------------------------------------------------------------------


def _editing(actor: Any) -> bool:
    return bool(actor.has_perm("catalog.change_projectcase"))


def _case(actor: Any, project_id: int, case_id: int) -> ProjectCase:
    case = selectors.case_get_for(actor, case_id, editing=True)
    if case.project_id != project_id:
        raise NotFound()
    return case


@router.get(
    "/catalog/projects/{project_id}/cases",
    response=CaseListOut,
    summary="List a project's cases (without consent: only for those who may change cases)",
)
def case_list(
    request: HttpRequest, project_id: int, params: Query[ListParams], filters: Query[KnowledgeFilters]
) -> Any:
    actor = _actor(request, "view_project")
    project = selectors.project_get_for(actor, project_id)
    editing = _editing(actor)
    queryset = selectors.cases_for(actor, editing=editing).filter(project=project)
    if not editing:
        queryset = queryset.filter(is_active=True)
    return page(filtered(request, CaseFilterSet, queryset, filters), params)


@router.post(
    "/catalog/projects/{project_id}/cases",
    response={201: CaseOut},
    summary="Add a case (multipart: name, description, consent_confirmed, order, before_image, after_image)",
)
def case_create(
    request: HttpRequest,
    project_id: int,
    payload: Form[CaseIn],
    before_image: UploadedFile | None = File(None),  # noqa: B008 - ninja's parameter declaration
    after_image: UploadedFile | None = File(None),  # noqa: B008 - ninja's parameter declaration
) -> Status:
    """Images: JPEG, PNG or WebP, at most 10 MB each."""
    actor = _actor(request, "view_project")
    case = services.project_case_create(
        actor=actor,
        project_id=project_id,
        before_image=before_image,
        after_image=after_image,
        **payload.dict(),
    )
    return Status(201, case)


@router.post(
    "/catalog/projects/{project_id}/cases/{case_id}",
    response=CaseOut,
    summary="Change a case (multipart, hence POST; fields not sent keep their value; a file "
    "before_image / after_image replaces that image)",
)
def case_update(
    request: HttpRequest,
    project_id: int,
    case_id: int,
    payload: Form[CasePatch],
    before_image: UploadedFile | None = File(None),  # noqa: B008 - ninja's parameter declaration
    after_image: UploadedFile | None = File(None),  # noqa: B008 - ninja's parameter declaration
) -> Any:
    actor = _actor(request, "view_project", "change_projectcase")
    case = _case(actor, project_id, case_id)
    current = {
        "name": case.name,
        "description": case.description,
        "consent_confirmed": case.consent_confirmed,
        "order": case.order,
    }
    sent = {key: value for key, value in payload.dict(exclude_unset=True).items() if value is not None}
    return services.project_case_update(
        actor=actor,
        case_id=case.pk,
        before_image=before_image,
        after_image=after_image,
        **{**current, **sent},
    )


@router.post(
    "/catalog/projects/{project_id}/cases/{case_id}/deactivate",
    response=CaseOut,
    summary="Deactivate a case",
)
def case_deactivate(request: HttpRequest, project_id: int, case_id: int) -> Any:
    actor = _actor(request, "view_project", "change_projectcase")
    case = _case(actor, project_id, case_id)
    return services.project_case_deactivate(actor=actor, case_id=case.pk)


@router.get(
    "/catalog/projects/{project_id}/cases/{case_id}/images/{side}",
    summary="A case's before or after image (each opening is audited)",
    response={200: None},
    url_name="catalog_case_image",
    openapi_extra={
        "responses": {
            200: {
                "description": "The image",
                "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def case_image(request: HttpRequest, project_id: int, case_id: int, side: str) -> FileResponse:
    actor = _actor(request, "view_project")
    if selectors.case_get_for(actor, case_id, editing=_editing(actor)).project_id != project_id:
        raise NotFound()
    _case, content_type, handle = services.project_case_image_open(actor=actor, case_id=case_id, side=side)
    return image_response(content_type, handle)
