"""Factories of the catalog project family (categories, projects and their child rows, articles,
cases). Rows are built directly (fast); tests of the services themselves go through
``medspa.catalog.project_services``.

- ``CategoryFactory(organisation=o)`` — a root; with ``parent=`` a child in the parent's
  organisation.
- ``ProjectFactory(organisation=o)`` — an active project in a category of the same organisation,
  ¥1,280, one session of 30 minutes; ``materials=[(item, "1.5")]`` and ``fees=[(position, "80")]``
  add BOM and operator-fee rows.
- ``ArticleFactory(project=p)``, ``CaseFactory(project=p)`` — an active article; an active case
  with consent and no images.
- ``MemberLevelFactory(organisation=o)`` — an active member level paying 95 %.
"""

from __future__ import annotations

from decimal import Decimal

import factory

from medspa.catalog.models import (
    Category,
    Project,
    ProjectArticle,
    ProjectCase,
    ProjectMaterial,
    ProjectOperatorFee,
)
from medspa.core.pinyin import search_key
from medspa.customers.models import MemberLevel
from tests.factories import OrganisationFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organisation = factory.LazyAttribute(
        lambda o: o.parent.organisation if o.parent is not None else OrganisationFactory()
    )
    parent = None
    code = factory.Sequence(lambda n: f"CAT{n:03d}")
    name = factory.Sequence(lambda n: f"项目分类{n}")
    order = 0


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PRJ{n:04d}")
    name = factory.Sequence(lambda n: f"水光针{n}")
    pinyin = factory.LazyAttribute(lambda o: search_key(o.name))
    category = factory.SubFactory(CategoryFactory, organisation=factory.SelfAttribute("..organisation"))
    department = None
    list_price = Decimal("1280.00")
    sessions_per_course = 1
    duration_minutes = 30
    min_interval_days = 0

    @factory.post_generation
    def materials(
        self, create: bool, extracted: list[tuple[object, object]] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            for item, quantity in extracted:
                ProjectMaterial.objects.create(project=self, item=item, quantity=Decimal(str(quantity)))

    @factory.post_generation
    def fees(self, create: bool, extracted: list[tuple[object, object]] | None, **kwargs: object) -> None:
        if create and extracted:
            for position, fee in extracted:
                ProjectOperatorFee.objects.create(project=self, position=position, fee=Decimal(str(fee)))


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectArticle

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"术前须知{n}")
    body = "治疗前一周避免服用阿司匹林。"
    order = 0


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectCase

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"案例{n}")
    description = "治疗两次后的效果。"
    consent_confirmed = True
    order = 0


class MemberLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberLevel

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"金卡{n}")
    discount_percent = Decimal("95.00")


# --- helpers shared by the project family's tests ---------------------------------------------------

CATEGORY_PERMS = ["catalog.view_category", "catalog.add_category", "catalog.change_category"]
PROJECT_PERMS = [
    "catalog.view_project",
    "catalog.add_project",
    "catalog.change_project",
    "catalog.export_project",
]
KNOWLEDGE_PERMS = [
    "catalog.add_projectarticle",
    "catalog.change_projectarticle",
    "catalog.add_projectcase",
    "catalog.change_projectcase",
]
ALL_PERMS = CATEGORY_PERMS + PROJECT_PERMS + KNOWLEDGE_PERMS


def catalog_user(branch, perms=None, **kwargs):
    """A user of ``branch`` whose one-off role grants ``perms`` (default: every permission of the
    project family) — catalog data is organisation-wide, so the data scope does not matter."""
    from tests.organization.factories import scoped_user

    return scoped_user(branch, list(ALL_PERMS if perms is None else perms), **kwargs)


def catalog_writes() -> int:
    """Successful audit events of the catalog module."""
    from medspa.audit.models import AuditEvent

    return AuditEvent.objects.filter(module="catalog", result="success").count()


def state() -> tuple:
    """Everything a refused write of the project family must leave alone."""
    from medspa.catalog.models import ProjectLevelPrice, ProjectResource

    models = (
        Category,
        Project,
        ProjectLevelPrice,
        ProjectResource,
        ProjectMaterial,
        ProjectOperatorFee,
        ProjectArticle,
        ProjectCase,
    )
    return (*(list(m.objects.order_by("pk").values()) for m in models), catalog_writes())


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6), color: str = "red") -> bytes:
    """A small real image in ``fmt`` (PNG, JPEG, WEBP, GIF …)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)
