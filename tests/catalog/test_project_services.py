"""Services of the catalog project family: the category tree, projects with member prices,
resources, BOM and operator fees (CAT-01, CAT-05), articles and cases with their images (CAT-04).
Every refusal writes nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils.translation import gettext

from medspa.audit.models import AuditEvent
from medspa.catalog import project_services as services
from medspa.catalog.models import (
    Category,
    Package,
    Product,
    Project,
    ProjectArticle,
    ProjectCase,
    ProjectLevelPrice,
    ProjectMaterial,
    ProjectOperatorFee,
    ProjectResource,
)
from medspa.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests.catalog.project_factories import (
    ArticleFactory,
    CaseFactory,
    CategoryFactory,
    MemberLevelFactory,
    ProjectFactory,
    catalog_user,
    catalog_writes,
    image_bytes,
    state,
    upload,
)
from tests.factories import BranchFactory
from tests.inventory.factories import ItemFactory
from tests.organization.factories import DepartmentFactory, PositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(branch):
    return catalog_user(branch, username="catalog-admin")


@pytest.fixture
def org(branch):
    return branch.organisation


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def setup(org, branch):
    """A category, a department, two positions, a member level and two items of the organisation."""
    return {
        "category": CategoryFactory(organisation=org, code="INJ", name="注射美容"),
        "department": DepartmentFactory(branch=branch, code="inj", name="注射美容组"),
        "doctor": PositionFactory(organisation=org, code="doctor", name="医生"),
        "nurse": PositionFactory(organisation=org, code="nurse", name="护士"),
        "gold": MemberLevelFactory(organisation=org, name="金卡"),
        "filler": ItemFactory(organisation=org, code="HA-1ML", name="玻尿酸", base_unit="支"),
        "syringe": ItemFactory(organisation=org, code="SYR", name="注射器", base_unit="支"),
    }


def refused(call, field, message, exc=ValidationError):
    """``call()`` is refused with ``message`` on ``field`` and writes nothing."""
    before = state()
    with pytest.raises(exc) as info:
        call()
    assert (info.value.field, info.value.message) == (field, message)
    assert state() == before


def project_arguments(setup, **overrides):
    arguments = {
        "code": "P001",
        "name": "玻尿酸填充-鼻部",
        "category_id": setup["category"].pk,
        "department_id": setup["department"].pk,
        "list_price": "6800",
        "sessions_per_course": 1,
        "duration_minutes": 45,
        "min_interval_days": 0,
        "aftercare": "24小时内不要沾水。",
        "level_prices": [services.LevelPriceInput(member_level_id=setup["gold"].pk, price="6200")],
        "resources": [
            services.ResourceInput(kind="doctor", quantity=1),
            services.ResourceInput(kind="room", description="注射室", quantity=1),
        ],
        "materials": [
            services.MaterialInput(item_id=setup["filler"].pk, quantity="1"),
            services.MaterialInput(item_id=setup["syringe"].pk, quantity="2", note="1ml"),
        ],
        "operator_fees": [
            services.OperatorFeeInput(position_id=setup["doctor"].pk, fee="300"),
            services.OperatorFeeInput(position_id=setup["nurse"].pk, fee="50.5"),
        ],
    }
    arguments.update(overrides)
    return arguments


# --- categories -----------------------------------------------------------------------------------


@pytest.mark.req("CAT-01")
def test_category_create_builds_the_tree_and_audits(admin, org):
    root = services.category_create(actor=admin, code="INJ", name="注射美容", order=10)
    child = services.category_create(actor=admin, code="INJ-HA", name=" 玻尿酸 ", parent_id=root.pk)
    assert Category.objects.get(code="INJ-HA").parent_id == root.pk
    assert (child.organisation_id, child.name, child.order, child.is_active) == (org.pk, "玻尿酸", 0, True)
    event = AuditEvent.objects.get(module="catalog", object_id=str(child.pk))
    assert (event.action, event.changes["code"], event.changes["parent"]) == (
        "create",
        [None, "INJ-HA"],
        [None, root.pk],
    )


@pytest.mark.req("CAT-01")
def test_category_code_unique_per_organisation(admin, org):
    CategoryFactory(organisation=org, code="INJ")
    refused(
        lambda: services.category_create(actor=admin, code="inj", name="x"),
        "code",
        gettext("Category code %(code)s is already in use.") % {"code": "inj"},
    )
    CategoryFactory(code="SKIN")  # another organisation's code is free
    assert services.category_create(actor=admin, code="SKIN", name="皮肤管理").code == "SKIN"


@pytest.mark.req("CAT-01")
def test_category_depth_at_most_five_and_no_cycles(admin, org):
    chain = [CategoryFactory(organisation=org, code="L1")]
    for level in range(2, 6):
        chain.append(CategoryFactory(organisation=org, code=f"L{level}", parent=chain[-1]))
    message = gettext("Categories may be nested at most %(max)s levels deep.") % {"max": 5}
    refused(
        lambda: services.category_create(actor=admin, code="L6", name="x", parent_id=chain[-1].pk),
        "parent",
        message,
    )
    other = CategoryFactory(organisation=org, code="O1")
    CategoryFactory(organisation=org, code="O2", parent=other)
    refused(
        lambda: services.category_update(
            actor=admin, category_id=other.pk, code="O1", name="x", parent_id=chain[3].pk
        ),
        "parent",
        message,
    )
    refused(
        lambda: services.category_update(
            actor=admin, category_id=chain[1].pk, code="L2", name="x", parent_id=chain[3].pk
        ),
        "parent",
        gettext("A category cannot be placed under itself or one of its sub-categories."),
    )
    refused(
        lambda: services.category_update(
            actor=admin, category_id=chain[1].pk, code="L2", name="x", parent_id=chain[1].pk
        ),
        "parent",
        gettext("A category cannot be placed under itself or one of its sub-categories."),
    )
    moved = services.category_update(
        actor=admin, category_id=chain[4].pk, code="L5", name="五", parent_id=other.pk
    )
    assert (Category.objects.get(pk=moved.pk).parent_id, moved.name) == (other.pk, "五")


@pytest.mark.req("CAT-01")
def test_category_parent_must_be_an_active_category_of_the_organisation(admin, org):
    foreign = CategoryFactory()
    refused(
        lambda: services.category_create(actor=admin, code="X", name="x", parent_id=foreign.pk),
        "parent",
        gettext("That parent category does not exist."),
    )
    inactive = CategoryFactory(organisation=org, is_active=False)
    refused(
        lambda: services.category_create(actor=admin, code="X", name="x", parent_id=inactive.pk),
        "parent",
        gettext("The parent category is deactivated."),
    )


@pytest.mark.req("CAT-01")
def test_category_deactivation_refused_while_in_use(admin, org):
    root = CategoryFactory(organisation=org, code="SKIN")
    child = CategoryFactory(organisation=org, parent=root)
    refused(
        lambda: services.category_deactivate(actor=admin, category_id=root.pk),
        None,
        gettext("Deactivate its %(count)s active sub-categories first.") % {"count": 1},
        Conflict,
    )
    services.category_deactivate(actor=admin, category_id=child.pk)
    project = ProjectFactory(organisation=org, category=root)
    refused(
        lambda: services.category_update(
            actor=admin, category_id=root.pk, code="SKIN", name="x", is_active=False
        ),
        None,
        gettext("Move or deactivate its %(count)s active projects first.") % {"count": 1},
        Conflict,
    )
    Project.objects.filter(pk=project.pk).update(is_active=False)
    product = Product.objects.create(
        organisation=org,
        code="R001",
        name="面膜",
        category=root,
        item=ItemFactory(organisation=org),
        retail_price=1,
    )
    refused(
        lambda: services.category_deactivate(actor=admin, category_id=root.pk),
        None,
        gettext("Move or deactivate its %(count)s active products first.") % {"count": 1},
        Conflict,
    )
    Product.objects.filter(pk=product.pk).update(is_active=False)
    package = Package.objects.create(organisation=org, code="K1", name="套餐", category=root, price=1)
    refused(
        lambda: services.category_deactivate(actor=admin, category_id=root.pk),
        None,
        gettext("Move or deactivate its %(count)s active packages first.") % {"count": 1},
        Conflict,
    )
    Package.objects.filter(pk=package.pk).update(is_active=False)
    writes = catalog_writes()
    assert services.category_deactivate(actor=admin, category_id=root.pk).is_active is False
    assert Category.objects.get(pk=root.pk).is_active is False
    services.category_deactivate(actor=admin, category_id=root.pk)  # already inactive: nothing more
    assert catalog_writes() == writes + 1


@pytest.mark.req("CAT-01")
def test_category_services_need_permission_and_organisation(branch, org):
    reader = catalog_user(branch, ["catalog.view_category"])
    category = CategoryFactory(organisation=org, code="C1")
    refused(
        lambda: services.category_create(actor=reader, code="X", name="x"),
        None,
        gettext("You do not have permission to do this."),
        PermissionDenied,
    )
    refused(
        lambda: services.category_update(actor=reader, category_id=category.pk, code="C1", name="x"),
        None,
        gettext("You do not have permission to do this."),
        PermissionDenied,
    )
    outsider = catalog_user(BranchFactory())
    refused(
        lambda: services.category_deactivate(actor=outsider, category_id=category.pk),
        None,
        gettext("The object was not found."),
        NotFound,
    )


# --- projects -------------------------------------------------------------------------------------


@pytest.mark.req("CAT-01", "CAT-05")
def test_project_create_with_every_child_row(admin, org, setup):
    project = services.project_create(actor=admin, **project_arguments(setup))
    project = Project.objects.get(pk=project.pk)
    assert (
        project.organisation_id,
        project.code,
        project.name,
        project.pinyin,
        project.category_id,
        project.department_id,
        project.list_price,
        project.duration_minutes,
        project.aftercare,
        project.is_active,
    ) == (
        org.pk,
        "P001",
        "玻尿酸填充-鼻部",
        "boniaosuantianchongbibu bnstcbb",
        setup["category"].pk,
        setup["department"].pk,
        Decimal("6800.00"),
        45,
        "24小时内不要沾水。",
        True,
    )
    assert list(
        ProjectLevelPrice.objects.filter(project=project).values_list(
            "member_level_id", "price", "discount_percent"
        )
    ) == [(setup["gold"].pk, Decimal("6200.00"), None)]
    assert list(
        ProjectResource.objects.filter(project=project)
        .order_by("pk")
        .values_list("kind", "description", "quantity")
    ) == [
        ("doctor", "", 1),
        ("room", "注射室", 1),
    ]
    assert list(
        ProjectMaterial.objects.filter(project=project)
        .order_by("pk")
        .values_list("item_id", "quantity", "note")
    ) == [
        (setup["filler"].pk, Decimal("1.000"), ""),
        (setup["syringe"].pk, Decimal("2.000"), "1ml"),
    ]
    assert dict(ProjectOperatorFee.objects.filter(project=project).values_list("position_id", "fee")) == {
        setup["doctor"].pk: Decimal("300.00"),
        setup["nurse"].pk: Decimal("50.50"),
    }
    event = AuditEvent.objects.get(module="catalog", object_id=str(project.pk))
    assert event.action == "create"
    assert event.changes["materials"] == [
        None,
        [[setup["filler"].pk, "1.000", ""], [setup["syringe"].pk, "2.000", "1ml"]],
    ]
    assert event.changes["operator_fees"] == [
        None,
        [[setup["doctor"].pk, "300.00"], [setup["nurse"].pk, "50.50"]],
    ]


def _bad_inputs(setup, other_org_rows):
    """(overrides, field, message) for every refusal of project_create."""
    gold, filler = setup["gold"], setup["filler"]
    doctor = setup["doctor"]
    return [
        (
            {"materials": [services.MaterialInput(item_id=setup["inactive_item"].pk, quantity="1")]},
            "materials.0.item_id",
            gettext("Item %(code)s %(name)s is deactivated: remove it from the standard consumables.")
            % {"code": "OLD-1", "name": "旧耗材"},
        ),
        (
            {"materials": [services.MaterialInput(item_id=filler.pk, quantity="0")]},
            "materials.0.quantity",
            gettext("The %(field)s must be greater than zero.") % {"field": gettext("quantity per session")},
        ),
        (
            {"materials": [services.MaterialInput(item_id=filler.pk, quantity="-1")]},
            "materials.0.quantity",
            gettext("The %(field)s must be greater than zero.") % {"field": gettext("quantity per session")},
        ),
        (
            {"materials": [services.MaterialInput(item_id=filler.pk, quantity="0.0001")]},
            "materials.0.quantity",
            gettext("The %(field)s may have at most three decimal places.")
            % {"field": gettext("quantity per session")},
        ),
        (
            {
                "materials": [
                    services.MaterialInput(item_id=filler.pk, quantity="1"),
                    services.MaterialInput(item_id=filler.pk, quantity="2"),
                ]
            },
            "materials.1.item_id",
            gettext("Item %(code)s %(name)s is listed twice.") % {"code": "HA-1ML", "name": "玻尿酸"},
        ),
        (
            {"materials": [services.MaterialInput(item_id=other_org_rows["item"].pk, quantity="1")]},
            "materials.0.item_id",
            gettext("Choose an item of your organisation."),
        ),
        (
            {
                "operator_fees": [
                    services.OperatorFeeInput(position_id=doctor.pk, fee="1"),
                    services.OperatorFeeInput(position_id=doctor.pk, fee="2"),
                ]
            },
            "operator_fees.1.position_id",
            gettext("Position %(name)s is listed twice.") % {"name": "医生"},
        ),
        (
            {
                "operator_fees": [
                    services.OperatorFeeInput(position_id=other_org_rows["position"].pk, fee="1")
                ]
            },
            "operator_fees.0.position_id",
            gettext("Choose a position of your organisation."),
        ),
        (
            {"operator_fees": [services.OperatorFeeInput(position_id=doctor.pk, fee="-0.01")]},
            "operator_fees.0.fee",
            gettext("The amount cannot be negative."),
        ),
        (
            {
                "level_prices": [
                    services.LevelPriceInput(member_level_id=gold.pk, price="1"),
                    services.LevelPriceInput(member_level_id=gold.pk, discount_percent="90"),
                ]
            },
            "level_prices.1.member_level_id",
            gettext("Member level %(name)s is listed twice.") % {"name": "金卡"},
        ),
        (
            {
                "level_prices": [
                    services.LevelPriceInput(member_level_id=other_org_rows["level"].pk, price="1")
                ]
            },
            "level_prices.0.member_level_id",
            gettext("Choose a member level of your organisation."),
        ),
        (
            {"level_prices": [services.LevelPriceInput(member_level_id=gold.pk, price="-1")]},
            "level_prices.0.price",
            gettext("The amount cannot be negative."),
        ),
        (
            {"level_prices": [services.LevelPriceInput(member_level_id=gold.pk, discount_percent="100.01")]},
            "level_prices.0.discount_percent",
            gettext("The discount must be between 0 and 100 %, with at most two decimals."),
        ),
        (
            {"level_prices": [services.LevelPriceInput(member_level_id=gold.pk, discount_percent="-1")]},
            "level_prices.0.discount_percent",
            gettext("The discount must be between 0 and 100 %, with at most two decimals."),
        ),
        (
            {
                "level_prices": [
                    services.LevelPriceInput(member_level_id=gold.pk, price="1", discount_percent="90")
                ]
            },
            "level_prices.0.price",
            gettext("For member level %(name)s enter either a price or a discount, not both.")
            % {"name": "金卡"},
        ),
        (
            {"level_prices": [services.LevelPriceInput(member_level_id=gold.pk)]},
            "level_prices.0.price",
            gettext("For member level %(name)s enter a price or a discount.") % {"name": "金卡"},
        ),
        (
            {"resources": [services.ResourceInput(kind="robot")]},
            "resources.0.kind",
            gettext("Choose the kind of resource."),
        ),
        (
            {
                "resources": [
                    services.ResourceInput(kind="room", description="A"),
                    services.ResourceInput(kind="room", description="A"),
                ]
            },
            "resources.1.description",
            gettext("The resource %(resource)s is listed twice.") % {"resource": f"{gettext('Room')} A"},
        ),
        (
            {"min_interval_days": -1},
            "min_interval_days",
            gettext("The %(field)s must be a whole number between %(min)s and %(max)s.")
            % {"field": gettext("minimum days between sessions"), "min": 0, "max": 3650},
        ),
        (
            {"sessions_per_course": 0},
            "sessions_per_course",
            gettext("The %(field)s must be a whole number between %(min)s and %(max)s.")
            % {"field": gettext("sessions per course"), "min": 1, "max": 1000},
        ),
        ({"list_price": "-1"}, "list_price", gettext("The amount cannot be negative.")),
        ({"list_price": "abc"}, "list_price", gettext("Enter a valid amount, for example 1234.50.")),
        (
            {"department_id": other_org_rows["department"].pk},
            "department",
            gettext("Choose a department of your organisation."),
        ),
        (
            {"category_id": other_org_rows["category"].pk},
            "category",
            gettext("That category does not exist."),
        ),
        (
            {"category_id": setup["inactive_category"].pk},
            "category",
            gettext("The category %(name)s is deactivated.") % {"name": "停用分类"},
        ),
        ({"name": "  "}, "name", gettext("Enter the %(field)s.") % {"field": gettext("name")}),
        (
            {"code": "p 1"},
            "code",
            gettext("The code may contain only letters, digits, hyphens and underscores."),
        ),
    ]


@pytest.mark.req("CAT-01", "CAT-05")
def test_project_create_refusals_write_nothing(admin, org, setup):
    setup["inactive_item"] = ItemFactory(organisation=org, code="OLD-1", name="旧耗材", is_active=False)
    setup["inactive_category"] = CategoryFactory(organisation=org, name="停用分类", is_active=False)
    other_branch = BranchFactory()
    other_org_rows = {
        "item": ItemFactory(organisation=other_branch.organisation),
        "position": PositionFactory(organisation=other_branch.organisation),
        "level": MemberLevelFactory(organisation=other_branch.organisation),
        "department": DepartmentFactory(branch=other_branch),
        "category": CategoryFactory(organisation=other_branch.organisation),
    }
    for overrides, field, message in _bad_inputs(setup, other_org_rows):
        refused(
            lambda overrides=overrides: services.project_create(
                actor=admin, **project_arguments(setup, **overrides)
            ),
            field,
            message,
        )
    ProjectFactory(organisation=org, code="P001")
    refused(
        lambda: services.project_create(actor=admin, **project_arguments(setup, code="p001")),
        "code",
        gettext("Project code %(code)s is already in use.") % {"code": "p001"},
    )


@pytest.mark.req("CAT-01")
def test_project_create_needs_permission(branch, setup):
    viewer = catalog_user(branch, ["catalog.view_project"])
    refused(
        lambda: services.project_create(actor=viewer, **project_arguments(setup)),
        None,
        gettext("You do not have permission to do this."),
        PermissionDenied,
    )


@pytest.mark.req("CAT-01", "CAT-05")
def test_project_update_replaces_child_rows(admin, org, setup):
    project = services.project_create(actor=admin, **project_arguments(setup))
    updated = services.project_update(
        actor=admin,
        project_id=project.pk,
        **project_arguments(
            setup,
            name="玻尿酸填充",
            list_price="7000.50",
            min_interval_days=180,
            department_id=None,
            level_prices=[
                services.LevelPriceInput(member_level_id=setup["gold"].pk, discount_percent="88.5")
            ],
            resources=[],
            materials=[services.MaterialInput(item_id=setup["syringe"].pk, quantity="1.25")],
            operator_fees=[services.OperatorFeeInput(position_id=setup["nurse"].pk, fee="60")],
        ),
    )
    project = Project.objects.get(pk=updated.pk)
    assert (
        project.name,
        project.pinyin,
        project.list_price,
        project.min_interval_days,
        project.department_id,
    ) == (
        "玻尿酸填充",
        "boniaosuantianchong bnstc",
        Decimal("7000.50"),
        180,
        None,
    )
    assert list(
        ProjectLevelPrice.objects.filter(project=project).values_list("price", "discount_percent")
    ) == [(None, Decimal("88.50"))]
    assert ProjectResource.objects.filter(project=project).count() == 0
    assert list(ProjectMaterial.objects.filter(project=project).values_list("item_id", "quantity")) == [
        (setup["syringe"].pk, Decimal("1.250"))
    ]
    assert dict(ProjectOperatorFee.objects.filter(project=project).values_list("position_id", "fee")) == {
        setup["nurse"].pk: Decimal("60.00")
    }
    event = AuditEvent.objects.filter(module="catalog", object_id=str(project.pk)).latest("pk")
    assert event.action == "update"
    assert event.changes["operator_fees"] == [
        [[setup["doctor"].pk, "300.00"], [setup["nurse"].pk, "50.50"]],
        [[setup["nurse"].pk, "60.00"]],
    ]
    assert event.changes["min_interval_days"] == [0, 180]


@pytest.mark.req("CAT-01")
def test_project_update_refusal_keeps_the_child_rows(admin, org, setup):
    project = services.project_create(actor=admin, **project_arguments(setup))
    setup["filler"].is_active = False
    setup["filler"].save()
    refused(
        lambda: services.project_update(
            actor=admin, project_id=project.pk, **project_arguments(setup, name="改名")
        ),
        "materials.0.item_id",
        gettext("Item %(code)s %(name)s is deactivated: remove it from the standard consumables.")
        % {"code": "HA-1ML", "name": "玻尿酸"},
    )
    assert ProjectMaterial.objects.filter(project=project).count() == 2


@pytest.mark.req("CAT-01")
def test_project_deactivate_and_reactivate(admin, org, setup):
    project = services.project_create(actor=admin, **project_arguments(setup))
    assert services.project_deactivate(actor=admin, project_id=project.pk).is_active is False
    assert Project.objects.get(pk=project.pk).is_active is False
    assert (
        AuditEvent.objects.filter(module="catalog", object_id=str(project.pk), action="deactivate").count()
        == 1
    )
    setup["category"].is_active = False
    setup["category"].save()
    # an inactive project keeps its inactive category, but cannot be reactivated into it
    services.project_update(actor=admin, project_id=project.pk, **project_arguments(setup, name="停售"))
    refused(
        lambda: services.project_update(
            actor=admin, project_id=project.pk, is_active=True, **project_arguments(setup)
        ),
        "category",
        gettext("The category %(name)s is deactivated.") % {"name": "注射美容"},
    )
    outsider = catalog_user(BranchFactory())
    refused(
        lambda: services.project_deactivate(actor=outsider, project_id=project.pk),
        None,
        gettext("The object was not found."),
        NotFound,
    )


# --- articles and cases (CAT-04) ------------------------------------------------------------------


@pytest.mark.req("CAT-04")
def test_articles_create_update_deactivate(admin, org):
    project = ProjectFactory(organisation=org)
    article = services.project_article_create(
        actor=admin, project_id=project.pk, title="术后护理", body="冰敷20分钟。", order=2
    )
    assert (ProjectArticle.objects.get(pk=article.pk).title, article.order, article.is_active) == (
        "术后护理",
        2,
        True,
    )
    services.project_article_update(
        actor=admin, article_id=article.pk, title="术后须知", body="冰敷。", order=1
    )
    assert ProjectArticle.objects.get(pk=article.pk).title == "术后须知"
    services.project_article_deactivate(actor=admin, article_id=article.pk)
    assert ProjectArticle.objects.get(pk=article.pk).is_active is False
    assert list(
        AuditEvent.objects.filter(module="catalog", object_type="catalog.projectarticle")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == [
        "create",
        "update",
        "deactivate",
    ]
    refused(
        lambda: services.project_article_create(actor=admin, project_id=project.pk, title="", body="x"),
        "title",
        gettext("Enter the %(field)s.") % {"field": gettext("title")},
    )
    foreign = ProjectFactory()
    refused(
        lambda: services.project_article_create(actor=admin, project_id=foreign.pk, title="x", body="x"),
        None,
        gettext("The object was not found."),
        NotFound,
    )
    viewer = catalog_user(org.branches.first(), ["catalog.view_project"])
    refused(
        lambda: services.project_article_update(actor=viewer, article_id=article.pk, title="x", body="x"),
        None,
        gettext("You do not have permission to do this."),
        PermissionDenied,
    )


@pytest.mark.req("CAT-04")
def test_case_with_images_is_stored_privately(admin, org, media, django_capture_on_commit_callbacks):
    project = ProjectFactory(organisation=org)
    case = services.project_case_create(
        actor=admin,
        project_id=project.pk,
        name="鼻部填充",
        description="术后一个月",
        consent_confirmed=True,
        before_image=upload("before.png", image_bytes("PNG")),
        after_image=upload("after.jpeg", image_bytes("JPEG")),
    )
    case = ProjectCase.objects.get(pk=case.pk)
    assert case.before_image.name.startswith("catalog/cases/") and case.before_image.name.endswith(".png")
    assert case.after_image.name.endswith(".jpg")
    assert "before" not in case.before_image.name  # a random name, not the uploaded one
    assert (Path(media) / case.before_image.name).read_bytes() == image_bytes("PNG")
    old = Path(media) / case.before_image.name
    with django_capture_on_commit_callbacks(execute=True):
        services.project_case_update(
            actor=admin,
            case_id=case.pk,
            name="鼻部填充",
            consent_confirmed=True,
            before_image=upload("b2.webp", image_bytes("WEBP", color="blue")),
            clear_after_image=True,
        )
    case.refresh_from_db()
    assert case.before_image.name.endswith(".webp") and case.after_image.name == ""
    assert not old.exists()
    assert (Path(media) / case.before_image.name).read_bytes() == image_bytes("WEBP", color="blue")


@pytest.mark.req("CAT-04")
def test_case_uploads_must_be_images(admin, org, media, monkeypatch):
    project = ProjectFactory(organisation=org)

    def create(image):
        return lambda: services.project_case_create(
            actor=admin, project_id=project.pk, name="x", before_image=image
        )

    not_an_image = gettext("Upload an image: JPEG, PNG or WebP.")
    refused(create(upload("fake.png", b"%PDF-1.4 not an image")), "before_image", not_an_image)
    refused(create(upload("anim.gif", image_bytes("GIF"))), "before_image", not_an_image)
    refused(create(upload("empty.png", b"")), "before_image", gettext("The file is empty."))
    monkeypatch.setattr(services, "MAX_IMAGE_SIZE", 10)
    refused(
        create(upload("big.png", image_bytes("PNG"))),
        "before_image",
        gettext("The image is larger than %(max)s MB.") % {"max": 0},
    )
    monkeypatch.setattr(services, "MAX_IMAGE_SIZE", 10 * 1024 * 1024)
    monkeypatch.setattr(services, "MAX_IMAGE_PIXELS", 47)
    refused(
        create(upload("wide.png", image_bytes("PNG"))),
        "before_image",
        gettext("The image has too many pixels (at most %(max)s million).") % {"max": 0},
    )
    assert not Path(media).exists() or not any(Path(media).rglob("*.*"))


@pytest.mark.req("CAT-04")
def test_case_image_open_checks_permission_organisation_and_consent(admin, branch, org, media):
    project = ProjectFactory(organisation=org)
    shown = services.project_case_create(
        actor=admin,
        project_id=project.pk,
        name="已同意",
        consent_confirmed=True,
        before_image=upload("a.png", image_bytes()),
    )
    hidden = services.project_case_create(
        actor=admin, project_id=project.pk, name="未同意", before_image=upload("b.png", image_bytes())
    )
    viewer = catalog_user(branch, ["catalog.view_project"])
    case, content_type, handle = services.project_case_image_open(
        actor=viewer, case_id=shown.pk, side="before"
    )
    assert (case.pk, content_type, handle.read()) == (shown.pk, "image/png", image_bytes())
    handle.close()
    event = AuditEvent.objects.filter(module="catalog", action="view_case_image").get()
    assert (event.actor_id, event.object_id, event.message) == (viewer.pk, str(shown.pk), "before")
    writes = catalog_writes()
    for actor, case_id, side, exc in [
        (viewer, hidden.pk, "before", NotFound),  # no consent: only for case editors
        (viewer, shown.pk, "after", NotFound),  # no such image
        (viewer, shown.pk, "inside", NotFound),
        (catalog_user(branch, ["catalog.view_category"]), shown.pk, "before", PermissionDenied),
        (catalog_user(BranchFactory()), shown.pk, "before", NotFound),  # another organisation
    ]:
        with pytest.raises(exc):
            services.project_case_image_open(actor=actor, case_id=case_id, side=side)
    assert catalog_writes() == writes
    _case, _type, handle = services.project_case_image_open(actor=admin, case_id=hidden.pk, side="before")
    handle.close()
    assert catalog_writes() == writes + 1


@pytest.mark.req("CAT-04")
def test_case_update_and_deactivate(admin, org):
    case = CaseFactory(project=ProjectFactory(organisation=org), consent_confirmed=False)
    services.project_case_update(
        actor=admin, case_id=case.pk, name="改名", description="说明", consent_confirmed=True, order=3
    )
    case.refresh_from_db()
    assert (case.name, case.description, case.consent_confirmed, case.order) == ("改名", "说明", True, 3)
    services.project_case_deactivate(actor=admin, case_id=case.pk)
    assert ProjectCase.objects.get(pk=case.pk).is_active is False
    refused(
        lambda: services.project_case_update(actor=admin, case_id=case.pk, name=" "),
        "name",
        gettext("Enter the %(field)s.") % {"field": gettext("name")},
    )
    foreign = CaseFactory()
    refused(
        lambda: services.project_case_deactivate(actor=admin, case_id=foreign.pk),
        None,
        gettext("The object was not found."),
        NotFound,
    )
    ArticleFactory(project=case.project)
