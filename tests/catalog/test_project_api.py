"""The project family's API: /api/v1/catalog/categories, /catalog/projects (with member prices,
resources, BOM and operator fees), a project's /articles and /cases (multipart images, protected
image endpoint) — exact bodies, problem JSON for bad input with nothing written, permission
matrix, organisation scope, query counts."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from medspa.audit.models import AuditEvent
from medspa.catalog import project_services as services
from medspa.catalog.models import Category, Project, ProjectCase, ProjectMaterial
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

API = "/api/v1/catalog"
PROBLEM = "application/problem+json"
VIEW_PROJECT = "catalog.view_project"
VIEW_CATEGORY = "catalog.view_category"


def iso(value):
    return timezone.localtime(value).isoformat()


def send(client, method, url, body=None):
    if method == "multipart":
        return client.post(url, data=body or {})
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


def errors_of(response):
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


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
    project = ProjectFactory(organisation=org, code="P001", name="玻尿酸填充", category=category)
    article = ArticleFactory(project=project, title="术前须知")
    case = services.project_case_create(
        actor=catalog_user(branch, username="setup"),
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


def project_body(o, **overrides):
    body = {
        "code": "P002",
        "name": "肉毒素除皱-额纹",
        "category_id": o["category"].pk,
        "list_price": "2980",
        "min_interval_days": 90,
        "materials": [{"item_id": o["item"].pk, "quantity": "0.5"}],
        "operator_fees": [{"position_id": o["doctor"].pk, "fee": "200"}],
    }
    body.update(overrides)
    return body


def endpoints(o):
    """(method, url, body, permissions needed, success status)"""
    p, a, c = o["project"].pk, o["article"].pk, o["case"].pk
    return [
        ("get", f"{API}/categories", None, [VIEW_CATEGORY], 200),
        (
            "post",
            f"{API}/categories",
            {"code": "NEW", "name": "新"},
            [VIEW_CATEGORY, "catalog.add_category"],
            201,
        ),
        ("get", f"{API}/categories/{o['category'].pk}", None, [VIEW_CATEGORY], 200),
        (
            "patch",
            f"{API}/categories/{o['category'].pk}",
            {"name": "注射"},
            [VIEW_CATEGORY, "catalog.change_category"],
            200,
        ),
        (
            "post",
            f"{API}/categories/{o['spare'].pk}/deactivate",
            None,
            [VIEW_CATEGORY, "catalog.change_category"],
            200,
        ),
        ("get", f"{API}/projects", None, [VIEW_PROJECT], 200),
        ("post", f"{API}/projects", project_body(o), [VIEW_PROJECT, "catalog.add_project"], 201),
        ("get", f"{API}/projects/{p}", None, [VIEW_PROJECT], 200),
        (
            "put",
            f"{API}/projects/{p}",
            project_body(o, code="P001", name="玻尿酸填充-鼻部"),
            [VIEW_PROJECT, "catalog.change_project"],
            200,
        ),
        ("get", f"{API}/projects/{p}/articles", None, [VIEW_PROJECT], 200),
        (
            "post",
            f"{API}/projects/{p}/articles",
            {"title": "术后", "body": "冰敷。"},
            [VIEW_PROJECT, "catalog.add_projectarticle"],
            201,
        ),
        (
            "patch",
            f"{API}/projects/{p}/articles/{a}",
            {"title": "术前须知（新）"},
            [VIEW_PROJECT, "catalog.change_projectarticle"],
            200,
        ),
        (
            "post",
            f"{API}/projects/{p}/articles/{a}/deactivate",
            None,
            [VIEW_PROJECT, "catalog.change_projectarticle"],
            200,
        ),
        ("get", f"{API}/projects/{p}/cases", None, [VIEW_PROJECT], 200),
        (
            "multipart",
            f"{API}/projects/{p}/cases",
            {"name": "新案例", "consent_confirmed": "true"},
            [VIEW_PROJECT, "catalog.add_projectcase"],
            201,
        ),
        (
            "multipart",
            f"{API}/projects/{p}/cases/{c}",
            {"name": "鼻部案例二"},
            [VIEW_PROJECT, "catalog.change_projectcase"],
            200,
        ),
        ("get", f"{API}/projects/{p}/cases/{c}/images/before", None, [VIEW_PROJECT], 200),
        (
            "post",
            f"{API}/projects/{p}/cases/{c}/deactivate",
            None,
            [VIEW_PROJECT, "catalog.change_projectcase"],
            200,
        ),
        ("post", f"{API}/projects/{p}/deactivate", None, [VIEW_PROJECT, "catalog.change_project"], 200),
    ]


@pytest.mark.req("CAT-01", "CAT-04", "CAT-05")
def test_api_permission_matrix(client, logged_in, branch, objects):
    for method, url, body, perms, success in endpoints(objects):
        before = state()
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (401, PROBLEM), (method, url)
        for granted in ([], perms[:-1]):
            denied = logged_in(catalog_user(branch, granted))
            response = send(denied, method, url, body)
            assert (response.status_code, response["Content-Type"]) == (403, PROBLEM), (method, url, granted)
            client.logout()
        assert state() == before, (method, url)
        allowed = logged_in(catalog_user(branch, perms))
        response = send(allowed, method, url, body)
        assert response.status_code == success, (method, url, response.content[:2000])
        client.logout()
    assert Category.objects.get(code="SPARE").is_active is False
    assert Project.objects.get(code="P001").is_active is False
    assert ProjectCase.objects.get(name="鼻部案例二").is_active is False


@pytest.mark.req("CAT-01", "CAT-04")
def test_other_organisation_is_not_found(logged_in, branch, media):
    foreign_org = BranchFactory().organisation
    category = CategoryFactory(organisation=foreign_org)
    project = ProjectFactory(organisation=foreign_org, category=category)
    article = ArticleFactory(project=project)
    case = CaseFactory(project=project)
    ProjectCase.objects.filter(pk=case.pk).update(before_image="catalog/cases/x.png")
    client = logged_in(catalog_user(branch))
    before = state()
    for method, url, body in [
        ("get", f"{API}/categories/{category.pk}", None),
        ("patch", f"{API}/categories/{category.pk}", {"name": "x"}),
        ("post", f"{API}/categories/{category.pk}/deactivate", None),
        ("get", f"{API}/projects/{project.pk}", None),
        (
            "put",
            f"{API}/projects/{project.pk}",
            {"code": "X", "name": "x", "category_id": category.pk, "list_price": "1"},
        ),
        ("post", f"{API}/projects/{project.pk}/deactivate", None),
        ("get", f"{API}/projects/{project.pk}/articles", None),
        ("post", f"{API}/projects/{project.pk}/articles", {"title": "x", "body": "x"}),
        ("patch", f"{API}/projects/{project.pk}/articles/{article.pk}", {"title": "x"}),
        ("get", f"{API}/projects/{project.pk}/cases", None),
        ("multipart", f"{API}/projects/{project.pk}/cases", {"name": "x"}),
        ("multipart", f"{API}/projects/{project.pk}/cases/{case.pk}", {"name": "x"}),
        ("get", f"{API}/projects/{project.pk}/cases/{case.pk}/images/before", None),
    ]:
        response = send(client, method, url, body)
        assert (response.status_code, response["Content-Type"]) == (404, PROBLEM), (method, url)
    assert state() == before
    assert send(client, "get", f"{API}/projects").json() == {"items": [], "count": 0}


@pytest.mark.req("CAT-01", "CAT-05")
def test_project_create_and_get_exact_body(logged_in, admin, branch):
    org = branch.organisation
    inj = CategoryFactory(organisation=org, code="INJ", name="注射美容")
    ha = CategoryFactory(organisation=org, code="INJ-HA", name="玻尿酸", parent=inj)
    department = DepartmentFactory(branch=branch, name="注射美容组")
    gold = MemberLevelFactory(organisation=org, name="金卡")
    doctor = PositionFactory(organisation=org, name="医生")
    item = ItemFactory(organisation=org, code="HA-1ML", name="玻尿酸", base_unit="支")
    client = logged_in(admin)
    response = send(
        client,
        "post",
        f"{API}/projects",
        {
            "code": "P001",
            "name": "玻尿酸填充-鼻部",
            "category_id": ha.pk,
            "department_id": department.pk,
            "list_price": 6800,
            "duration_minutes": 45,
            "aftercare": "24小时内不要沾水。",
            "level_prices": [{"member_level_id": gold.pk, "discount_percent": "95"}],
            "resources": [{"kind": "room", "description": "注射室"}],
            "materials": [{"item_id": item.pk, "quantity": 1}],
            "operator_fees": [{"position_id": doctor.pk, "fee": "300"}],
        },
    )
    assert response.status_code == 201, response.content
    project = Project.objects.get(code="P001")
    expected = {
        "id": project.pk,
        "code": "P001",
        "name": "玻尿酸填充-鼻部",
        "pinyin": "boniaosuantianchongbibu bnstcbb",
        "category_id": ha.pk,
        "category_path": "注射美容 / 玻尿酸",
        "department_id": department.pk,
        "department_name": "注射美容组",
        "list_price": "6800.00",
        "sessions_per_course": 1,
        "duration_minutes": 45,
        "min_interval_days": 0,
        "description": "",
        "aftercare": "24小时内不要沾水。",
        "is_active": True,
        "created_at": iso(project.created_at),
        "updated_at": iso(project.updated_at),
        "level_prices": [
            {
                "member_level_id": gold.pk,
                "member_level_name": "金卡",
                "price": None,
                "discount_percent": "95.00",
            }
        ],
        "resources": [{"kind": "room", "description": "注射室", "quantity": 1}],
        "materials": [
            {
                "item_id": item.pk,
                "item_code": "HA-1ML",
                "item_name": "玻尿酸",
                "base_unit": "支",
                "quantity": "1.000",
                "note": "",
            }
        ],
        "operator_fees": [{"position_id": doctor.pk, "position_name": "医生", "fee": "300.00"}],
    }
    assert response.json() == expected
    assert send(client, "get", f"{API}/projects/{project.pk}").json() == expected
    listed = send(client, "get", f"{API}/projects", None).json()
    assert listed["count"] == 1
    assert listed["items"][0] == {
        k: v
        for k, v in expected.items()
        if k not in ("level_prices", "resources", "materials", "operator_fees")
    }


@pytest.mark.req("CAT-01")
def test_project_list_filters_and_picker_search(logged_in, admin, branch):
    org = branch.organisation
    inj = CategoryFactory(organisation=org, code="INJ")
    ha = CategoryFactory(organisation=org, code="INJ-HA", parent=inj)
    laser = DepartmentFactory(branch=branch)
    filler = ProjectFactory(organisation=org, code="P001", name="玻尿酸填充-鼻部", category=ha)
    toxin = ProjectFactory(
        organisation=org, code="P002", name="肉毒素除皱-额纹", category=inj, department=laser
    )
    ProjectFactory(organisation=org, code="P003", name="水光针", is_active=False)
    client = logged_in(admin)

    def codes(**params):
        query = "&".join(f"{key}={value}" for key, value in params.items())
        body = send(client, "get", f"{API}/projects?{query}").json()
        return [row["code"] for row in body["items"]], body["count"]

    assert codes(search="bnstc") == (["P001"], 1)
    assert codes(q="roudu") == (["P002"], 1)
    assert codes(category=inj.pk) == (["P001", "P002"], 2)
    assert codes(department=laser.pk) == (["P002"], 1)
    assert codes(is_active="false") == (["P003"], 1)
    assert codes(limit=1, offset=1) == (["P002"], 3)
    response = send(client, "get", f"{API}/projects?category=999999")
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert errors_of(response)[0][0] == "category"
    assert filler.pk != toxin.pk


@pytest.mark.req("CAT-01", "CAT-05")
def test_bad_project_input_is_problem_json_and_writes_nothing(logged_in, admin, branch):
    org = branch.organisation
    category = CategoryFactory(organisation=org)
    old = ItemFactory(organisation=org, code="OLD", name="旧耗材", is_active=False)
    foreign_position = PositionFactory()
    client = logged_in(admin)
    base = {"code": "P001", "name": "x", "category_id": category.pk, "list_price": "1"}
    before = state()
    for body, field, message in [
        (
            {**base, "materials": [{"item_id": old.pk, "quantity": "1"}]},
            "materials.0.item_id",
            gettext("Item %(code)s %(name)s is deactivated: remove it from the standard consumables.")
            % {"code": "OLD", "name": "旧耗材"},
        ),
        (
            {**base, "operator_fees": [{"position_id": foreign_position.pk, "fee": "1"}]},
            "operator_fees.0.position_id",
            gettext("Choose a position of your organisation."),
        ),
        ({**base, "list_price": "-5"}, "list_price", gettext("The amount cannot be negative.")),
    ]:
        response = send(client, "post", f"{API}/projects", body)
        assert (response.status_code, response["Content-Type"], errors_of(response)) == (
            422,
            PROBLEM,
            [(field, message)],
        ), body
    response = send(client, "post", f"{API}/projects", {**base, "min_interval_days": -1})
    assert (response.status_code, errors_of(response)[0][0]) == (422, "min_interval_days")
    response = send(client, "post", f"{API}/projects", {**base, "category_id": 2**70})
    assert (response.status_code, response["Content-Type"], errors_of(response)[0][0]) == (
        400,
        PROBLEM,
        "category_id",
    )
    assert state() == before


@pytest.mark.req("CAT-01", "CAT-05")
def test_project_put_replaces_child_rows(logged_in, admin, branch, objects):
    client = logged_in(admin)
    project = objects["project"]
    response = send(client, "put", f"{API}/projects/{project.pk}", project_body(objects, code="P001"))
    assert response.status_code == 200
    assert [row["quantity"] for row in response.json()["materials"]] == ["0.500"]
    response = send(
        client, "put", f"{API}/projects/{project.pk}", project_body(objects, code="P001", materials=[])
    )
    assert (response.json()["materials"], ProjectMaterial.objects.filter(project=project).count()) == ([], 0)
    assert response.json()["min_interval_days"] == 90


@pytest.mark.req("CAT-01")
def test_category_api(logged_in, admin, branch):
    org = branch.organisation
    inj = CategoryFactory(organisation=org, code="INJ", name="注射美容")
    client = logged_in(admin)
    response = send(
        client, "post", f"{API}/categories", {"code": "INJ-HA", "name": "玻尿酸", "parent_id": inj.pk}
    )
    child = Category.objects.get(code="INJ-HA")
    assert response.json() == {
        "id": child.pk,
        "parent_id": inj.pk,
        "code": "INJ-HA",
        "name": "玻尿酸",
        "path": "注射美容 / 玻尿酸",
        "order": 0,
        "is_active": True,
        "created_at": iso(child.created_at),
        "updated_at": iso(child.updated_at),
    }
    response = send(client, "patch", f"{API}/categories/{child.pk}", {"parent_id": None, "order": 5})
    assert (response.json()["path"], response.json()["order"]) == ("玻尿酸", 5)
    before = state()
    ProjectFactory(organisation=org, category=inj)
    before = state()
    response = send(client, "post", f"{API}/categories/{inj.pk}/deactivate")
    assert (response.status_code, errors_of(response)) == (
        409,
        [("__all__", gettext("Move or deactivate its %(count)s active projects first.") % {"count": 1})],
    )
    assert state() == before
    listed = send(client, "get", f"{API}/categories?q=INJ").json()
    assert [row["code"] for row in listed["items"]] == ["INJ", "INJ-HA"]


@pytest.mark.req("CAT-04")
def test_articles_and_cases_api(logged_in, admin, branch, objects):
    project = objects["project"]
    client = logged_in(admin)
    response = send(
        client,
        "post",
        f"{API}/projects/{project.pk}/articles",
        {"title": "术后护理", "body": "冰敷。", "order": 2},
    )
    assert response.status_code == 201
    assert [
        row["title"] for row in send(client, "get", f"{API}/projects/{project.pk}/articles").json()["items"]
    ] == [
        "术前须知",
        "术后护理",
    ]
    response = client.post(
        f"{API}/projects/{project.pk}/cases",
        {
            "name": "额纹案例",
            "before_image": upload("a.jpg", image_bytes("JPEG")),
            "after_image": upload("x.png", b"nope"),
        },
    )
    assert (response.status_code, errors_of(response)) == (
        422,
        [("after_image", gettext("Upload an image: JPEG, PNG or WebP."))],
    )
    response = client.post(
        f"{API}/projects/{project.pk}/cases",
        {"name": "额纹案例", "description": "两周后", "before_image": upload("a.jpg", image_bytes("JPEG"))},
    )
    case = ProjectCase.objects.get(name="额纹案例")
    assert response.status_code == 201
    assert response.json() == {
        "id": case.pk,
        "project_id": project.pk,
        "name": "额纹案例",
        "description": "两周后",
        "consent_confirmed": False,
        "order": 0,
        "is_active": True,
        "before_image_url": f"{API}/projects/{project.pk}/cases/{case.pk}/images/before",
        "after_image_url": None,
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
    }
    # without consent the case is listed only to those who may change cases
    viewer = catalog_user(branch, [VIEW_PROJECT])
    client.logout()
    client = logged_in(viewer)
    listed = send(client, "get", f"{API}/projects/{project.pk}/cases").json()
    assert [row["name"] for row in listed["items"]] == ["鼻部案例"]
    response = client.get(f"{API}/projects/{project.pk}/cases/{case.pk}/images/before")
    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)
    response = client.get(f"{API}/projects/{project.pk}/cases/{objects['case'].pk}/images/before")
    assert (response.status_code, response["Content-Type"], b"".join(response.streaming_content)) == (
        200,
        "image/png",
        image_bytes(),
    )
    assert AuditEvent.objects.filter(action="view_case_image", actor=viewer).count() == 1
    client.logout()
    client = logged_in(admin)
    response = client.post(f"{API}/projects/{project.pk}/cases/{case.pk}", {"consent_confirmed": "true"})
    assert (response.status_code, response.json()["consent_confirmed"], response.json()["name"]) == (
        200,
        True,
        "额纹案例",
    )
    other = ProjectFactory(organisation=branch.organisation)
    response = client.post(f"{API}/projects/{other.pk}/cases/{case.pk}", {"name": "x"})
    assert response.status_code == 404


@pytest.mark.req("CAT-01")
@pytest.mark.parametrize(("path", "queries"), [("categories", 8), ("projects", 8)])
@pytest.mark.parametrize("n", [3, 15])
def test_list_endpoint_query_counts(logged_in, admin, branch, django_assert_num_queries, path, queries, n):
    org = branch.organisation
    root = CategoryFactory(organisation=org, code="ROOT")
    for _i in range(n):
        leaf = CategoryFactory(organisation=org, parent=CategoryFactory(organisation=org, parent=root))
        ProjectFactory(organisation=org, category=leaf, department=DepartmentFactory(branch=branch))
    client = logged_in(admin)
    url = f"{API}/{path}?limit=200"
    send(client, "get", url)
    with django_assert_num_queries(queries):
        response = send(client, "get", url)
    expected = {"categories": 2 * n + 1, "projects": n}[path]
    assert (response.status_code, response.json()["count"], len(response.json()["items"])) == (
        200,
        expected,
        expected,
    )


@pytest.mark.req("CAT-01", "CAT-04", "INT-01")
def test_no_input_makes_the_project_api_fail(branch, media):
    """Whatever schemathesis sends to these endpoints as a user holding every permission of the
    family, the answer is never a 5xx and every error is problem JSON."""
    from medspa.accounts import services as account_services
    from tests.fuzz import assert_never_fails, operations, wsgi_schema

    user = catalog_user(branch, [*ALL_PERMS, "accounts.add_apitoken"], username="fuzzer")
    ProjectFactory(organisation=branch.organisation)
    CategoryFactory(organisation=branch.organisation)
    secret = account_services.api_token_create(actor=user, name="fuzz", days=1).secret
    with wsgi_schema() as schema:
        ops = operations(schema, (f"{API}/categories", f"{API}/projects"))
        assert len(ops) == 19
        for operation in ops:
            assert_never_fails(operation, {"Authorization": f"Bearer {secret}"}, max_examples=15)
