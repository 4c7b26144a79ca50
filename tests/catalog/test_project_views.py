"""Pages of the catalog project family: categories, projects with the row editor (member prices,
resources, BOM, operator fees), articles, cases with protected images, the consultation view —
permission matrix, organisation scope, inline errors, filters, export, query counts, menu."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from medspa.audit.models import AuditEvent
from medspa.catalog import project_services as services
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
from medspa.core.menu import menu_for
from tests.catalog.project_factories import (
    ALL_PERMS,
    ArticleFactory,
    CaseFactory,
    CategoryFactory,
    MemberLevelFactory,
    ProjectFactory,
    catalog_user,
    image_bytes,
    state,
    upload,
)
from tests.factories import BranchFactory
from tests.inventory.factories import ItemFactory
from tests.organization.factories import DepartmentFactory, PositionFactory

pytestmark = pytest.mark.django_db

NS = "catalog_projects"
VIEW_PROJECT = "catalog.view_project"
VIEW_CATEGORY = "catalog.view_category"


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


def rows_of(response):
    return list(response.context["page"].object_list)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin(branch):
    return catalog_user(branch, username="catalog-admin")


@pytest.fixture
def objects(branch, media):
    org = branch.organisation
    category = CategoryFactory(organisation=org, code="INJ", name="注射美容")
    spare = CategoryFactory(organisation=org, code="SPARE", name="备用")
    doctor = PositionFactory(organisation=org, code="doctor", name="医生")
    item = ItemFactory(organisation=org, code="HA-1ML", name="玻尿酸", base_unit="支")
    project = ProjectFactory(
        organisation=org,
        code="P001",
        name="玻尿酸填充",
        category=category,
        materials=[(item, "1")],
        fees=[(doctor, "300")],
    )
    article = ArticleFactory(project=project, title="术前须知")
    admin = catalog_user(branch, username="setup-admin")
    case = services.project_case_create(
        actor=admin,
        project_id=project.pk,
        name="鼻部案例",
        consent_confirmed=True,
        before_image=upload("b.png", image_bytes()),
    )
    return {
        "category": category,
        "spare": spare,
        "doctor": doctor,
        "item": item,
        "project": project,
        "article": article,
        "case": case,
    }


def project_post(o, **extra):
    data = {
        "code": "P002",
        "name": "肉毒素除皱-额纹",
        "category": o["category"].pk,
        "list_price": "2980",
        "sessions_per_course": "1",
        "duration_minutes": "30",
        "min_interval_days": "90",
        "fees": ["f1"],
        "fees-f1-position": str(o["doctor"].pk),
        "fees-f1-fee": "200",
        "materials": ["m1"],
        "materials-m1-item": str(o["item"].pk),
        "materials-m1-quantity": "0.5",
    }
    data.update(extra)
    return data


def pages(o):
    """(url, permissions needed, POST data or None for GET-only pages)"""
    project, article, case = o["project"], o["article"], o["case"]
    return [
        (url("category_list"), [VIEW_CATEGORY], None),
        (
            url("category_create"),
            [VIEW_CATEGORY, "catalog.add_category"],
            {"code": "NEW", "name": "新分类", "order": "0"},
        ),
        (url("category_detail", o["category"].pk), [VIEW_CATEGORY], None),
        (
            url("category_edit", o["category"].pk),
            [VIEW_CATEGORY, "catalog.change_category"],
            {"code": "INJ", "name": "注射", "order": "1", "is_active": "on"},
        ),
        (url("category_deactivate", o["spare"].pk), [VIEW_CATEGORY, "catalog.change_category"], {}),
        (url("project_list"), [VIEW_PROJECT], None),
        (url("project_create"), [VIEW_PROJECT, "catalog.add_project"], project_post(o)),
        (url("project_detail", project.pk), [VIEW_PROJECT], None),
        (url("project_knowledge", project.pk), [VIEW_PROJECT], None),
        (
            url("project_edit", project.pk),
            [VIEW_PROJECT, "catalog.change_project"],
            project_post(o, code="P001", name="玻尿酸填充-鼻部", is_active="on"),
        ),
        (url("project_row") + "?section=levels", [VIEW_PROJECT, "catalog.add_project"], None),
        (url("item_lookup") + "?q=HA", [VIEW_PROJECT, "catalog.add_project"], None),
        (
            url("article_create", project.pk),
            [VIEW_PROJECT, "catalog.add_projectarticle"],
            {"title": "术后护理", "body": "冰敷。", "order": "1"},
        ),
        (
            url("article_edit", article.pk),
            [VIEW_PROJECT, "catalog.change_projectarticle"],
            {"title": "术前须知（新）", "body": "停用阿司匹林。", "order": "0", "is_active": "on"},
        ),
        (url("article_deactivate", article.pk), [VIEW_PROJECT, "catalog.change_projectarticle"], {}),
        (
            url("case_create", project.pk),
            [VIEW_PROJECT, "catalog.add_projectcase"],
            {"name": "新案例", "order": "0"},
        ),
        (
            url("case_edit", case.pk),
            [VIEW_PROJECT, "catalog.change_projectcase"],
            {"name": "鼻部案例二", "order": "0", "consent_confirmed": "on", "is_active": "on"},
        ),
        (url("case_deactivate", case.pk), [VIEW_PROJECT, "catalog.change_projectcase"], {}),
        (url("case_image", case.pk, "before"), [VIEW_PROJECT], None),
        (url("project_deactivate", project.pk), [VIEW_PROJECT, "catalog.change_project"], {}),
    ]


@pytest.mark.req("CAT-01", "CAT-04", "CAT-05")
def test_pages_permission_matrix(client, logged_in, branch, objects):
    for page, perms, data in pages(objects):
        before = state()
        response = client.get(page)
        expected_next = page.replace("?", "%3F").replace("=", "%3D")
        assert (response.status_code, response["Location"]) == (
            302,
            f"/accounts/login/?next={expected_next}",
        ), page
        if data is not None:
            assert client.post(page, data).status_code == 302, page
        for granted in ([], perms[:-1]):
            denied = logged_in(catalog_user(branch, granted))
            assert denied.get(page).status_code == 403, page
            if data is not None:
                assert denied.post(page, data).status_code == 403, page
            client.logout()
        assert state() == before, page
        allowed = logged_in(catalog_user(branch, perms))
        assert allowed.get(page).status_code == 200, page
        client.logout()


@pytest.mark.req("CAT-01", "CAT-04", "CAT-05")
def test_every_post_succeeds_with_its_permissions(client, logged_in, branch, objects):
    for page, perms, data in pages(objects):
        if data is None:
            continue
        response = logged_in(catalog_user(branch, perms)).post(page, data)
        assert response.status_code == 302, (page, response.content.decode()[:3000])
        client.logout()
    assert Category.objects.get(code="NEW").name == "新分类"
    assert Category.objects.get(code="SPARE").is_active is False
    created = Project.objects.get(code="P002")
    assert (created.min_interval_days, created.list_price) == (90, Decimal("2980.00"))
    assert list(ProjectMaterial.objects.filter(project=created).values_list("item_id", "quantity")) == [
        (objects["item"].pk, Decimal("0.500"))
    ]
    edited = Project.objects.get(code="P001")
    assert (edited.name, edited.is_active) == ("玻尿酸填充-鼻部", False)
    assert list(
        ProjectArticle.objects.filter(project=edited).order_by("pk").values_list("title", "is_active")
    ) == [
        ("术前须知（新）", False),
        ("术后护理", True),
    ]
    assert list(
        ProjectCase.objects.filter(project=edited).order_by("pk").values_list("name", "is_active")
    ) == [
        ("鼻部案例二", False),
        ("新案例", True),
    ]


@pytest.mark.req("CAT-01", "CAT-04")
def test_other_organisation_rows_are_not_found(logged_in, branch, media):
    foreign_org = BranchFactory().organisation
    category = CategoryFactory(organisation=foreign_org)
    project = ProjectFactory(organisation=foreign_org, category=category)
    article = ArticleFactory(project=project)
    case = CaseFactory(project=project)
    ProjectCase.objects.filter(pk=case.pk).update(before_image="catalog/cases/x.png")
    client = logged_in(catalog_user(branch))
    before = state()
    for page in [
        url("category_detail", category.pk),
        url("category_edit", category.pk),
        url("category_deactivate", category.pk),
        url("project_detail", project.pk),
        url("project_edit", project.pk),
        url("project_deactivate", project.pk),
        url("project_knowledge", project.pk),
        url("article_create", project.pk),
        url("article_edit", article.pk),
        url("article_deactivate", article.pk),
        url("case_create", project.pk),
        url("case_edit", case.pk),
        url("case_deactivate", case.pk),
        url("case_image", case.pk, "before"),
        url("project_detail", 999999),
    ]:
        assert client.get(page).status_code == 404, page
        if re.search(r"/(edit|deactivate|new)/$", page):
            assert (
                client.post(page, {"code": "X", "name": "x", "title": "x", "body": "x"}).status_code == 404
            ), page
    assert state() == before
    response = client.get(url("project_list"))
    assert rows_of(response) == []


@pytest.mark.req("CAT-01")
def test_category_tree_page_and_inline_errors(logged_in, admin, branch):
    org = branch.organisation
    inj = CategoryFactory(organisation=org, code="INJ", name="注射美容", order=1)
    CategoryFactory(organisation=org, code="INJ-HA", name="玻尿酸", parent=inj)
    CategoryFactory(organisation=org, code="SKIN", name="皮肤管理", order=0)
    client = logged_in(admin)
    page = client.get(url("category_list")).content.decode()
    assert page.index("皮肤管理") < page.index("注射美容") < page.index("└ 玻尿酸")
    response = client.post(
        url("category_create"), {"code": "INJ-BTX", "name": "肉毒素", "parent": inj.pk, "order": "2"}
    )
    btx = Category.objects.get(code="INJ-BTX")
    assert (response["Location"], btx.parent_id) == (url("category_detail", btx.pk), inj.pk)
    before = state()
    response = client.post(url("category_create"), {"code": "inj", "name": "重复", "order": "0"})
    assert response.status_code == 422
    assert gettext("Category code %(code)s is already in use.") % {"code": "inj"} in response.content.decode()
    response = client.post(url("category_deactivate", inj.pk))
    assert response.status_code == 422
    assert (
        gettext("Deactivate its %(count)s active sub-categories first.") % {"count": 2}
        in response.content.decode()
    )
    assert state() == before
    detail = client.get(url("category_detail", inj.pk)).content.decode()
    assert "注射美容 / 肉毒素" not in detail and detail.count('data-testid="children-row"') == 2


@pytest.mark.req("CAT-01", "CAT-05")
def test_project_editor_writes_every_section(logged_in, admin, branch):
    org = branch.organisation
    category = CategoryFactory(organisation=org, code="INJ", name="注射美容")
    department = DepartmentFactory(branch=branch, code="inj", name="注射美容组")
    gold = MemberLevelFactory(organisation=org, name="金卡")
    doctor = PositionFactory(organisation=org, name="医生")
    nurse = PositionFactory(organisation=org, name="护士")
    item = ItemFactory(organisation=org, code="HA-1ML", name="玻尿酸", base_unit="支")
    client = logged_in(admin)
    form = client.get(url("project_create")).content.decode()
    assert 'name="is_active"' not in form and "注射美容组" in form
    data = {
        "code": "P001",
        "name": "玻尿酸填充-鼻部",
        "category": category.pk,
        "department": department.pk,
        "list_price": "6800",
        "sessions_per_course": "1",
        "duration_minutes": "45",
        "min_interval_days": "0",
        "aftercare": "24小时内不要沾水。",
        "levels": ["a1"],
        "levels-a1-member_level": gold.pk,
        "levels-a1-price": "6200",
        "resources": ["b1", "b2"],
        "resources-b1-kind": "room",
        "resources-b1-description": "注射室",
        "resources-b1-quantity": "1",
        "resources-b2-quantity": "1",  # left empty: ignored
        "materials": ["c1", "c2"],
        "materials-c1-item": item.pk,
        "materials-c1-quantity": "1",
        "materials-c2-item": "",  # a row whose item was never picked: ignored
        "fees": ["d1", "d2"],
        "fees-d1-position": doctor.pk,
        "fees-d1-fee": "300",
        "fees-d2-position": nurse.pk,
        "fees-d2-fee": "50",
    }
    response = client.post(url("project_create"), data)
    project = Project.objects.get(code="P001")
    assert response["Location"] == url("project_detail", project.pk)
    assert list(
        ProjectLevelPrice.objects.filter(project=project).values_list("member_level_id", "price")
    ) == [(gold.pk, Decimal("6200.00"))]
    assert list(ProjectResource.objects.filter(project=project).values_list("kind", "description")) == [
        ("room", "注射室")
    ]
    assert ProjectMaterial.objects.filter(project=project).get().quantity == Decimal("1.000")
    assert ProjectOperatorFee.objects.filter(project=project).count() == 2
    detail = client.get(url("project_detail", project.pk)).content.decode()
    assert "HA-1ML 玻尿酸" in detail and "1 支" in detail and "¥300.00" in detail and "¥6,200.00" in detail
    assert "注射美容组" in detail and "24小时内不要沾水。" in detail
    edit = client.get(url("project_edit", project.pk)).content.decode()
    assert edit.count('data-testid="row-fees"') == 2 and edit.count('data-testid="row-materials"') == 1
    assert 'data-testid="row-unit">支<' in edit
    # refusals come back next to the row and write nothing
    item.is_active = False
    item.save()
    before = state()
    response = client.post(url("project_edit", project.pk), {**data, "is_active": "on"})
    assert response.status_code == 422
    message = gettext("Item %(code)s %(name)s is deactivated: remove it from the standard consumables.") % {
        "code": "HA-1ML",
        "name": "玻尿酸",
    }
    assert message in response.content.decode()
    response = client.post(
        url("project_create"), {**data, "code": "P002", "materials": [], "fees-d2-fee": "-1"}
    )
    assert response.status_code == 422
    assert 'name="fees-d2-fee"' in response.content.decode()
    assert gettext("The amount cannot be negative.") in response.content.decode()
    response = client.post(
        url("project_create"), {**data, "code": "P002", "materials": [], "fees-d2-position": doctor.pk}
    )
    assert gettext("Position %(name)s is listed twice.") % {"name": "医生"} in response.content.decode()
    assert state() == before


@pytest.mark.req("CAT-01")
def test_editor_rows_and_item_lookup(logged_in, admin, branch):
    org = branch.organisation
    item = ItemFactory(organisation=org, code="HA-1ML", name="玻尿酸", base_unit="支")
    ItemFactory(organisation=org, code="HA-OLD", name="玻尿酸旧", is_active=False)
    foreign = ItemFactory(code="HA-X", name="玻尿酸外")
    client = logged_in(admin)
    results = client.get(url("item_lookup"), {"q": "bns", "token": "c9"}).content.decode()
    assert results.count('data-testid="item-result"') == 1 and f'data-item="{item.pk}"' in results
    row = client.get(
        url("project_row"), {"section": "materials", "token": "c9", "item": item.pk}
    ).content.decode()
    assert 'name="materials" value="c9"' in row and 'data-testid="row-unit">支<' in row
    assert client.get(url("project_row"), {"section": "materials", "item": foreign.pk}).status_code == 404
    assert client.get(url("project_row"), {"section": "nope"}).status_code == 404
    fees = client.get(url("project_row"), {"section": "fees"}).content.decode()
    assert re.search(r'name="fees" value="[0-9a-f]{8}"', fees)


@pytest.mark.req("CAT-01")
def test_project_list_search_filters_and_export(logged_in, admin, branch):
    org = branch.organisation
    inj = CategoryFactory(organisation=org, code="INJ", name="注射美容")
    ha = CategoryFactory(organisation=org, code="INJ-HA", name="玻尿酸", parent=inj)
    skin = CategoryFactory(organisation=org, code="SKIN", name="皮肤管理")
    laser = DepartmentFactory(branch=branch, name="激光美容组")
    filler = ProjectFactory(
        organisation=org, code="P001", name="玻尿酸填充-鼻部", category=ha, list_price=6800
    )
    toxin = ProjectFactory(
        organisation=org, code="P002", name="肉毒素除皱-额纹", category=inj, department=laser, list_price=2980
    )
    water = ProjectFactory(organisation=org, code="P003", name="水光针", category=skin, is_active=False)
    client = logged_in(admin)
    assert rows_of(client.get(url("project_list"))) == [filler, toxin, water]
    assert rows_of(client.get(url("project_list"), {"q": "bns"})) == [filler]
    assert rows_of(client.get(url("project_list"), {"q": "shuiguang"})) == [water]
    assert rows_of(client.get(url("project_list"), {"category": inj.pk})) == [filler, toxin]
    assert rows_of(client.get(url("project_list"), {"department": laser.pk})) == [toxin]
    assert rows_of(client.get(url("project_list"), {"is_active": "false"})) == [water]
    assert rows_of(client.get(url("project_list"), {"sort": "list_price"})) == [water, toxin, filler]
    page = client.get(url("project_list")).content.decode()
    assert "注射美容 / 玻尿酸" in page and "¥6,800.00" in page
    export = client.get(url("project_list"), {"export": "csv", "category": inj.pk})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    yes = gettext("Yes")
    assert rows[1:] == [
        ["P001", "玻尿酸填充-鼻部", "注射美容 / 玻尿酸", "", "¥6,800.00", "1", "30", "0", yes],
        [
            "P002",
            "肉毒素除皱-额纹",
            "注射美容",
            f"{branch.name} · 激光美容组",
            "¥2,980.00",
            "1",
            "30",
            "0",
            yes,
        ],
    ]
    no_export = logged_in(catalog_user(branch, [VIEW_PROJECT]))
    assert no_export.get(url("project_list"), {"export": "csv"}).status_code == 403


@pytest.mark.req("CAT-01", "CAT-04")
def test_detail_buttons_follow_permissions_and_consent(logged_in, branch, objects):
    project = objects["project"]
    hidden = CaseFactory(project=project, name="未同意案例", consent_confirmed=False)
    reader = logged_in(catalog_user(branch, [VIEW_PROJECT]))
    page = reader.get(url("project_detail", project.pk)).content.decode()
    for testid in ("edit", "deactivate", "add-article", "add-case", "edit-article", "edit-case"):
        assert f'data-testid="{testid}"' not in page, testid
    assert "鼻部案例" in page and "未同意案例" not in page and 'data-testid="knowledge"' in page
    assert url("case_image", objects["case"].pk, "before") in page
    editor = logged_in(catalog_user(branch))
    page = editor.get(url("project_detail", project.pk)).content.decode()
    assert "未同意案例" in page and 'data-testid="case-no-consent"' in page
    assert url("case_edit", hidden.pk) in page and 'data-testid="add-article"' in page


@pytest.mark.req("CAT-04")
def test_knowledge_view_shows_articles_and_consented_cases(logged_in, branch, objects):
    project = objects["project"]
    Project.objects.filter(pk=project.pk).update(aftercare="术后三天内避免剧烈运动。", min_interval_days=90)
    ArticleFactory(project=project, title="停用的文章", is_active=False)
    CaseFactory(project=project, name="未同意案例", consent_confirmed=False)
    client = logged_in(catalog_user(branch, [VIEW_PROJECT]))
    page = client.get(url("project_knowledge", project.pk)).content.decode()
    assert "术前须知" in page and "停用的文章" not in page
    assert "鼻部案例" in page and "未同意案例" not in page
    assert page.count('data-testid="knowledge-case"') == 1 and page.count('data-testid="case-before"') == 1
    assert "¥1,280.00" in page and "术后三天内避免剧烈运动。" in page
    assert url("case_image", objects["case"].pk, "before") in page


@pytest.mark.req("CAT-04")
def test_case_image_view_is_protected_and_audited(client, logged_in, branch, objects):
    case = objects["case"]
    image = url("case_image", case.pk, "before")
    assert client.get(image).status_code == 302
    assert logged_in(catalog_user(branch, [VIEW_CATEGORY])).get(image).status_code == 403
    assert logged_in(catalog_user(BranchFactory(), [VIEW_PROJECT])).get(image).status_code == 404
    assert AuditEvent.objects.filter(action="view_case_image").count() == 0
    viewer = catalog_user(branch, [VIEW_PROJECT])
    response = logged_in(viewer).get(image)
    assert (response.status_code, response["Content-Type"], b"".join(response.streaming_content)) == (
        200,
        "image/png",
        image_bytes(),
    )
    assert (
        response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    )
    assert AuditEvent.objects.filter(action="view_case_image").get().actor_id == viewer.pk
    assert logged_in(viewer).get(url("case_image", case.pk, "after")).status_code == 404
    ProjectCase.objects.filter(pk=case.pk).update(consent_confirmed=False)
    assert logged_in(viewer).get(image).status_code == 404
    assert logged_in(catalog_user(branch)).get(image).status_code == 200  # the case editors still see it


@pytest.mark.req("CAT-04")
def test_case_upload_through_the_page(logged_in, admin, branch, media):
    project = ProjectFactory(organisation=branch.organisation)
    client = logged_in(admin)
    before = state()
    response = client.post(
        url("case_create", project.pk),
        {"name": "x", "order": "0", "before_image": upload("x.png", b"not an image")},
    )
    assert response.status_code == 422
    assert gettext("Upload an image: JPEG, PNG or WebP.") in response.content.decode()
    assert state() == before
    response = client.post(
        url("case_create", project.pk),
        {
            "name": "鼻部",
            "order": "0",
            "consent_confirmed": "on",
            "after_image": upload("a.jpg", image_bytes("JPEG")),
        },
    )
    case = ProjectCase.objects.get(project=project)
    assert (response["Location"], case.consent_confirmed, case.before_image.name) == (
        url("project_detail", project.pk),
        True,
        "",
    )
    assert case.after_image.name.endswith(".jpg")
    edit = client.get(url("case_edit", case.pk)).content.decode()
    assert 'name="clear_after_image"' in edit and 'name="clear_before_image"' not in edit
    assert url("case_image", case.pk, "after") in edit


@pytest.mark.req("CAT-01")
@pytest.mark.parametrize(("name", "queries"), [("category_list", 8), ("project_list", 10)])
@pytest.mark.parametrize("n", [3, 15])
def test_list_query_counts(logged_in, admin, branch, django_assert_num_queries, name, queries, n):
    org = branch.organisation
    root = CategoryFactory(organisation=org, code="ROOT")
    for _i in range(n):
        child = CategoryFactory(organisation=org, parent=root)
        leaf = CategoryFactory(organisation=org, parent=child)
        ProjectFactory(organisation=org, category=leaf, department=DepartmentFactory(branch=branch))
    client = logged_in(admin)
    client.get(url(name))
    with django_assert_num_queries(queries):
        response = client.get(url(name))
    expected = {"category_list": 2 * n + 1, "project_list": n}[name]
    assert (response.status_code, response.context["paginator"].count) == (200, expected)


@pytest.mark.req("CAT-01", "CAT-04", "CAT-05")
def test_menu_entries(branch):
    groups = {
        str(g.label): [(i.key, i.order) for i in g.items] for g in menu_for(catalog_user(branch, ALL_PERMS))
    }
    entries = [entry for entry in groups[gettext("Catalog")] if 300 <= entry[1] <= 319]
    assert entries == [("catalog-projects", 300), ("catalog-categories", 318)]
    reader = catalog_user(branch, [VIEW_PROJECT])
    keys = [item.key for group in menu_for(reader) for item in group.items]
    assert "catalog-projects" in keys and "catalog-categories" not in keys
