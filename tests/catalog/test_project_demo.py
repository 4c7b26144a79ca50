"""The project family's demo data: categories and projects P001…P007 through the services, BOM rows
from the inventory demo items that exist, operator fees for doctor and nurse, idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medspa.catalog import project_demo
from medspa.catalog.models import Category, Project, ProjectArticle, ProjectCase, ProjectLevelPrice
from tests.catalog.project_factories import MemberLevelFactory, catalog_user, state
from tests.inventory.factories import ItemFactory
from tests.organization.factories import DepartmentFactory, PositionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.req("CAT-01", "CAT-04", "CAT-05")
def test_seed_demo_creates_the_catalog_once(branch):
    org = branch.organisation
    director = catalog_user(branch, username="director")
    doctor = PositionFactory(organisation=org, code="doctor", name="医生")
    nurse = PositionFactory(organisation=org, code="nurse", name="护士")
    injection = DepartmentFactory(branch=branch, code="injection", name="注射美容组")
    filler = ItemFactory(organisation=org, code="HA-1ML", name="交联透明质酸钠凝胶")
    syringe = ItemFactory(organisation=org, code="SYR-1ML", name="注射器")  # no BTX-100U-V: left out
    gold = MemberLevelFactory(organisation=org, name="金卡", order=1)
    project_demo.seed_demo(actor=director, organisation=org, branch=branch)

    assert list(
        Category.objects.filter(organisation=org)
        .order_by("order", "code")
        .values_list("code", "parent__code")
    ) == [
        ("INJ-HA", "INJ"),
        ("INJ-BTX", "INJ"),
        ("INJ", None),
        ("SKIN", None),
        ("LASER", None),
        ("SURG", None),
        ("RETAIL", None),
    ]
    projects = {p.code: p for p in Project.objects.filter(organisation=org)}
    assert sorted(projects) == ["P001", "P002", "P003", "P004", "P005", "P006", "P007"]
    p001, p002 = projects["P001"], projects["P002"]
    assert (p001.name, p001.category.code, p001.list_price, p001.department_id) == (
        "玻尿酸填充-鼻部",
        "INJ-HA",
        Decimal("6800.00"),
        injection.pk,
    )
    assert (p002.list_price, p002.min_interval_days, p002.category.code) == (
        Decimal("2980.00"),
        90,
        "INJ-BTX",
    )
    assert [(m.item_id, m.quantity) for m in p001.materials.order_by("pk")] == [
        (filler.pk, Decimal("1.000")),
        (syringe.pk, Decimal("1.000")),
    ]
    assert [m.item_id for m in p002.materials.all()] == [syringe.pk]
    assert {f.position_id: f.fee for f in p001.operator_fees.all()} == {
        doctor.pk: Decimal("300.00"),
        nurse.pk: Decimal("50.00"),
    }
    assert ProjectLevelPrice.objects.get().member_level_id == gold.pk
    assert list(ProjectArticle.objects.order_by("order").values_list("project__code", "title")) == [
        ("P001", "术前须知"),
        ("P001", "常见问题"),
    ]
    case = ProjectCase.objects.get()
    assert (case.project_id, case.consent_confirmed, case.before_image.name) == (p001.pk, True, "")
    assert {code: p.list_price for code, p in projects.items()} == {
        "P001": Decimal("6800.00"),
        "P002": Decimal("2980.00"),
        "P003": Decimal("1280.00"),
        "P004": Decimal("1680.00"),
        "P005": Decimal("3800.00"),
        "P006": Decimal("12800.00"),
        "P007": Decimal("298.00"),
    }

    before = state()
    project_demo.seed_demo(actor=director, organisation=org, branch=branch)
    assert state() == before
