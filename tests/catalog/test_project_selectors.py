"""Selectors of the catalog project family: organisation scope, tree order and paths, pinyin search,
loaded child rows, the consultation view and the operator fees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medspa.catalog import project_selectors as selectors
from medspa.core.errors import NotFound
from tests.catalog.project_factories import (
    ArticleFactory,
    CaseFactory,
    CategoryFactory,
    ProjectFactory,
    catalog_user,
)
from tests.factories import BranchFactory
from tests.inventory.factories import ItemFactory
from tests.organization.factories import DepartmentFactory, PositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(branch):
    return catalog_user(branch, ["catalog.view_category", "catalog.view_project"])


@pytest.mark.req("CAT-01")
def test_categories_in_tree_order_with_paths(viewer, branch, django_assert_num_queries):
    org = branch.organisation
    skin = CategoryFactory(organisation=org, code="SKIN", name="皮肤管理", order=20)
    inj = CategoryFactory(organisation=org, code="INJ", name="注射美容", order=10)
    btx = CategoryFactory(organisation=org, code="INJ-BTX", name="肉毒素", parent=inj, order=2)
    ha = CategoryFactory(organisation=org, code="INJ-HA", name="玻尿酸", parent=inj, order=1)
    deep = CategoryFactory(organisation=org, code="D", name="深", parent=ha)
    CategoryFactory(code="INJ")  # another organisation
    selectors.categories_for(viewer).exists()  # the actor's data scope is read once and cached
    with django_assert_num_queries(1):
        rows = list(selectors.categories_for(viewer))
        paths = [selectors.category_path(row) for row in rows]
    assert rows == [inj, ha, deep, btx, skin]
    assert paths == [
        "注射美容",
        "注射美容 / 玻尿酸",
        "注射美容 / 玻尿酸 / 深",
        "注射美容 / 肉毒素",
        "皮肤管理",
    ]
    assert [selectors.category_depth(row) for row in rows] == [0, 1, 2, 1, 0]
    assert selectors.category_get_for(viewer, btx.pk) == btx
    with pytest.raises(NotFound):
        selectors.category_get_for(viewer, CategoryFactory().pk)


@pytest.mark.req("CAT-01")
def test_projects_for_is_the_organisation_with_paths_loaded(viewer, branch, django_assert_num_queries):
    org = branch.organisation
    inj = CategoryFactory(organisation=org, name="注射美容")
    ha = CategoryFactory(organisation=org, name="玻尿酸", parent=inj)
    department = DepartmentFactory(branch=branch, name="注射美容组")
    first = ProjectFactory(organisation=org, code="P001", category=ha, department=department)
    second = ProjectFactory(organisation=org, code="P002", category=inj)
    foreign = ProjectFactory(code="P000")
    selectors.projects_for(viewer).exists()  # the actor's data scope is read once and cached
    with django_assert_num_queries(1):
        rows = list(selectors.projects_for(viewer))
        labels = [
            (p.code, selectors.category_path(p.category), p.department and p.department.branch.name)
            for p in rows
        ]
    assert rows == [first, second]
    assert labels == [("P001", "注射美容 / 玻尿酸", branch.name), ("P002", "注射美容", None)]
    with pytest.raises(NotFound):
        selectors.project_get_for(viewer, foreign.pk)
    outsider = catalog_user(BranchFactory(organisation=foreign.organisation), ["catalog.view_project"])
    assert list(selectors.projects_for(outsider)) == [foreign]


@pytest.mark.req("CAT-01")
def test_project_search_matches_code_name_pinyin_and_initials(viewer, branch):
    org = branch.organisation
    filler = ProjectFactory(organisation=org, code="P001", name="玻尿酸填充-鼻部")
    toxin = ProjectFactory(organisation=org, code="P002", name="肉毒素除皱-额纹")
    ProjectFactory(organisation=org, code="P009", name="玻尿酸停售", is_active=False)
    ProjectFactory(name="玻尿酸外机构")
    assert selectors.project_search(viewer, "bns") == [filler]
    assert selectors.project_search(viewer, "rou du") == [toxin]
    assert selectors.project_search(viewer, "玻尿酸") == [filler]
    assert selectors.project_search(viewer, "p002") == [toxin]
    assert selectors.project_search(viewer, "  ") == []


@pytest.mark.req("CAT-01", "CAT-05")
def test_project_get_for_loads_every_child_row(viewer, branch, django_assert_num_queries):
    org = branch.organisation
    doctor = PositionFactory(organisation=org, name="医生")
    item = ItemFactory(organisation=org, code="HA")
    project = ProjectFactory(organisation=org, materials=[(item, "1.5")], fees=[(doctor, "300")])
    selectors.projects_for(viewer).exists()  # the actor's data scope is read once and cached
    with django_assert_num_queries(5):
        loaded = selectors.project_get_for(viewer, project.pk)
        materials = [(m.item.code, m.quantity) for m in loaded.materials.all()]
        fees = [(f.position.name, f.fee) for f in loaded.operator_fees.all()]
        assert list(loaded.level_prices.all()) == list(loaded.resources.all()) == []
    assert (materials, fees) == ([("HA", Decimal("1.500"))], [("医生", Decimal("300.00"))])


@pytest.mark.req("CAT-05")
def test_project_operator_fees(branch):
    org = branch.organisation
    doctor, nurse = PositionFactory(organisation=org), PositionFactory(organisation=org)
    project = ProjectFactory(organisation=org, fees=[(doctor, "300"), (nurse, "50.50")])
    assert selectors.project_operator_fees(project.pk) == {
        doctor.pk: Decimal("300.00"),
        nurse.pk: Decimal("50.50"),
    }
    assert selectors.project_operator_fees(ProjectFactory(organisation=org).pk) == {}


@pytest.mark.req("CAT-04")
def test_knowledge_shows_active_articles_and_consented_cases(viewer, branch):
    org = branch.organisation
    project = ProjectFactory(organisation=org)
    second = ArticleFactory(project=project, title="术后", order=2)
    first = ArticleFactory(project=project, title="术前", order=1)
    ArticleFactory(project=project, is_active=False)
    shown = CaseFactory(project=project, name="已同意")
    hidden = CaseFactory(project=project, consent_confirmed=False)
    retired = CaseFactory(project=project, is_active=False)
    knowledge = selectors.project_knowledge_for(viewer, project.pk)
    assert (knowledge.project, knowledge.articles, knowledge.cases) == (project, [first, second], [shown])
    with pytest.raises(NotFound):
        selectors.project_knowledge_for(viewer, ProjectFactory().pk)
    assert list(selectors.cases_for(viewer).filter(project=project)) == [shown, retired]
    assert list(selectors.cases_for(viewer, editing=True).filter(project=project)) == [shown, hidden, retired]
