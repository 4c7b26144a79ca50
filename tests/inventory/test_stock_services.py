"""Stock alerts (INV-09): the daily job writes exactly one alert per subject, kind and day with
the names and numbers in its message; a second run that day adds nothing; the task runs it for
today; marking read is scoped, audited and refused cleanly."""

from __future__ import annotations

import datetime

import pytest
from crontask import scheduler
from django.utils import timezone, translation
from django.utils.translation import gettext

from medspa.audit.models import AuditEvent
from medspa.configuration.models import ParameterValue
from medspa.core.errors import NotFound, PermissionDenied, ValidationError
from medspa.inventory import stock_services as services
from medspa.inventory.choices import AlertKind
from medspa.inventory.models import StockAlert
from medspa.inventory.tasks import generate_stock_alerts
from tests.factories import BranchFactory, OrganisationFactory
from tests.inventory.factories import CompanyFactory, StockLevelFactory, WarehouseFactory
from tests.inventory.test_stock_support import (  # noqa: F401  (clear_cache is a fixture)
    D,
    add_certificates,
    add_levels,
    build_world,
    clear_cache,
    days,
    department_user,
    state,
    stock_user,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(branch, other_branch):
    world = build_world(branch, other_branch)
    add_levels(world)
    add_certificates(world)
    return world


def zh(msgid: str, **values: object) -> str:
    """The message as the job writes it: in the site language, with the values filled in."""
    with translation.override("zh-hans"):
        return gettext(msgid) % values


def alerts(**filters):
    return list(
        StockAlert.objects.filter(**filters)
        .order_by(
            "kind", "branch_id", "warehouse__code", "item__code", "lot__batch_no", "certificate__number"
        )
        .values_list(
            "kind", "branch__code", "warehouse__code", "item__code", "lot__batch_no", "certificate__number"
        )
    )


@pytest.mark.req("INV-09")
def test_alerts_of_a_day(world):
    day = today()
    assert services.alerts_generate(day=day) == 11
    assert alerts() == [
        ("certificate", "main", None, None, None, "DEV-9"),
        ("certificate", "main", None, None, None, "LIC-1"),
        ("certificate", "east", None, None, None, "DEV-9"),
        ("certificate", "east", None, None, None, "LIC-1"),
        ("expired", "main", "C01", "BT01", "BTX-01", None),
        ("near_expiry", "main", "C01", "HA01", "HA-2402", None),
        ("near_expiry", "main", "D01", "HA01", "HA-2399", None),
        ("overstock", "main", "C01", "BT01", None, None),
        ("shortage", "main", "C01", "HA01", None, None),
        ("shortage", "main", "D01", "BT01", None, None),
        ("shortage", "east", "E01", "HA01", None, None),
    ]
    assert set(StockAlert.objects.values_list("day", flat=True)) == {day}
    assert StockAlert.objects.filter(read_at__isnull=False).count() == 0
    by_subject = {
        (
            a.kind,
            a.warehouse and a.warehouse.code,
            a.item and a.item.code,
            a.certificate and a.certificate.number,
        ): a.message
        for a in StockAlert.objects.filter(branch=world.branch).select_related(
            "warehouse", "item", "certificate"
        )
    }
    shortage = (
        "Below minimum: %(item)s in %(warehouse)s has %(on_hand)s %(unit)s, "
        "the minimum is %(limit)s %(unit)s."
    )
    overstock = (
        "Above maximum: %(item)s in %(warehouse)s has %(on_hand)s %(unit)s, "
        "the maximum is %(limit)s %(unit)s."
    )
    near = (
        "Near expiry: %(item)s lot %(lot)s in %(warehouse)s expires on %(date)s "
        "(%(days)s days left); %(quantity)s %(unit)s in stock."
    )
    gone = (
        "Expired: %(item)s lot %(lot)s in %(warehouse)s expired on %(date)s; "
        "%(quantity)s %(unit)s still in stock."
    )
    assert by_subject[("shortage", "C01", "HA01", None)] == zh(
        shortage, item="玻尿酸", warehouse="中心库", on_hand="120", unit="支", limit="200"
    )
    assert by_subject[("shortage", "D01", "BT01", None)] == zh(
        shortage, item="肉毒素", warehouse="美容科库", on_hand="0", unit="支", limit="5"
    )
    assert by_subject[("overstock", "C01", "BT01", None)] == zh(
        overstock, item="肉毒素", warehouse="中心库", on_hand="3", unit="支", limit="2"
    )
    assert by_subject[("near_expiry", "C01", "HA01", None)] == zh(
        near,
        item="玻尿酸",
        lot="HA-2402",
        warehouse="中心库",
        date=f"{days(30):%Y-%m-%d}",
        days=30,
        quantity="30",
        unit="支",
    )
    assert by_subject[("near_expiry", "D01", "HA01", None)] == zh(
        near,
        item="玻尿酸",
        lot="HA-2399",
        warehouse="美容科库",
        date=f"{today():%Y-%m-%d}",
        days=0,
        quantity="2",
        unit="支",
    )
    assert by_subject[("expired", "C01", "BT01", None)] == zh(
        gone,
        item="肉毒素",
        lot="BTX-01",
        warehouse="中心库",
        date=f"{days(-5):%Y-%m-%d}",
        quantity="3",
        unit="支",
    )
    with translation.override("zh-hans"):
        licence, device = gettext("Business licence"), gettext("Medical device operation licence")
    assert by_subject[("certificate", None, None, "LIC-1")] == zh(
        "Certificate expiring: %(kind)s %(number)s of %(company)s expires on %(date)s (%(days)s days left).",
        kind=licence,
        number="LIC-1",
        company="华东医药",
        date=f"{days(10):%Y-%m-%d}",
        days=10,
    )
    assert by_subject[("certificate", None, None, "DEV-9")] == zh(
        "Certificate expired: %(kind)s %(number)s of %(company)s expired on %(date)s; "
        "receiving from this supplier is refused.",
        kind=device,
        number="DEV-9",
        company="西部医疗",
        date=f"{days(-1):%Y-%m-%d}",
    )
    events = AuditEvent.objects.filter(module="inventory", action="alerts_generate").order_by("branch_id")
    assert [(e.branch_id, e.changes["created"], e.actor_id, e.actor_name) for e in events] == [
        (world.branch.pk, 8, None, "system"),
        (world.east.pk, 3, None, "system"),
    ]


@pytest.mark.req("INV-09")
def test_a_second_run_the_same_day_adds_nothing(world):
    day = today()
    assert services.alerts_generate(day=day) == 11
    before = list(StockAlert.objects.order_by("pk").values())
    events = AuditEvent.objects.count()
    assert services.alerts_generate(day=day) == 0
    assert list(StockAlert.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == events
    # a read alert stays read; the next day brings fresh ones
    StockAlert.objects.update(read_at=timezone.now())
    assert services.alerts_generate(day=day) == 0
    assert services.alerts_generate(day=day + datetime.timedelta(days=1)) == 11
    assert StockAlert.objects.filter(read_at__isnull=True).count() == 11


@pytest.mark.req("INV-09")
def test_a_new_subject_the_same_day_is_added(world):
    day = today()
    services.alerts_generate(day=day)
    StockLevelFactory(item=world.gauze, warehouse=world.beauty, min_quantity=D("1"), max_quantity=None)
    assert services.alerts_generate(day=day) == 1
    assert alerts(warehouse=world.beauty, kind=AlertKind.SHORTAGE) == [
        ("shortage", "main", "D01", "BT01", None, None),
        ("shortage", "main", "D01", "GZ01", None, None),
    ]


@pytest.mark.req("INV-09")
def test_parameters_per_branch_and_inactive_places(world):
    ParameterValue.objects.create(
        organisation=world.branch.organisation,
        branch=world.branch,
        key="inventory.near_expiry_days",
        value=10,
    )
    ParameterValue.objects.create(
        organisation=world.branch.organisation, branch=None, key="inventory.certificate_warning_days", value=5
    )
    world.central.is_active = False
    world.central.save(update_fields=["is_active"])
    # an organisation whose only warehouse is inactive gets no certificate alerts
    lonely = BranchFactory(organisation=OrganisationFactory(code="lonely"))
    WarehouseFactory(branch=lonely, is_active=False)
    CompanyFactory(organisation=lonely.organisation, certificates=[{"expires_on": days(-1)}])
    assert services.alerts_generate(day=today()) == 5
    assert alerts() == [
        ("certificate", "main", None, None, None, "DEV-9"),  # LIC-1 (10 days) is beyond 5 days
        ("certificate", "east", None, None, None, "DEV-9"),
        ("near_expiry", "main", "D01", "HA01", "HA-2399", None),  # HA-2402 is in the inactive 中心库
        ("shortage", "main", "D01", "BT01", None, None),
        ("shortage", "east", "E01", "HA01", None, None),
    ]


@pytest.mark.req("INV-09")
def test_the_daily_task(world):
    result = generate_stock_alerts.enqueue()
    assert result.return_value == 11
    assert set(StockAlert.objects.values_list("day", flat=True)) == {timezone.localdate()}
    assert generate_stock_alerts.enqueue().return_value == 0
    job = next(job for job in scheduler.get_jobs() if job.name == generate_stock_alerts.name)
    assert "hour='1', minute='10'" in str(job.trigger)  # 01:10 every day
    assert str(job.trigger.timezone) == "Asia/Shanghai"


@pytest.mark.req("INV-09")
def test_mark_read(world):
    services.alerts_generate(day=today())
    keeper = stock_user(world.branch, username="keeper")
    dept = department_user(world)
    mine = list(StockAlert.objects.filter(warehouse=world.beauty).order_by("pk").values_list("pk", flat=True))
    central = StockAlert.objects.get(warehouse=world.central, kind=AlertKind.EXPIRED)
    east = StockAlert.objects.get(branch=world.east, kind=AlertKind.SHORTAGE)

    # out of scope: the department user may not touch the central warehouse's alert; nothing changes
    for actor, ids in ((dept, [*mine, central.pk]), (keeper, [east.pk]), (keeper, [-1])):
        before = state()
        with pytest.raises((NotFound, ValidationError)):
            services.alert_mark_read(actor=actor, alert_ids=ids)
        assert state() == before

    assert services.alert_mark_read(actor=dept, alert_ids=mine) == 2
    marked = StockAlert.objects.filter(pk__in=mine)
    assert {(a.read_by_id, a.read_at is not None) for a in marked} == {(dept.pk, True)}
    events = AuditEvent.objects.filter(module="inventory", action="alert_read").order_by("pk")
    assert [(e.object_id, e.actor_id, e.branch_id) for e in events] == [
        (str(pk), dept.pk, world.branch.pk) for pk in mine
    ]
    # again, plus one unread: only the unread one is marked; the first reading is kept
    first = {a.pk: a.read_at for a in marked}
    assert services.alert_mark_read(actor=keeper, alert_ids=[*mine, central.pk, central.pk]) == 1
    assert {a.pk: a.read_at for a in StockAlert.objects.filter(pk__in=mine)} == first
    assert StockAlert.objects.get(pk=central.pk).read_by == keeper
    assert AuditEvent.objects.filter(module="inventory", action="alert_read").count() == 3


@pytest.mark.req("INV-09")
def test_mark_read_refusals(world):
    services.alerts_generate(day=today())
    alert = StockAlert.objects.filter(branch=world.branch).first()
    viewer = stock_user(world.branch, ["inventory.view_stockalert"], username="viewer")
    inactive = stock_user(world.branch, username="gone", is_active=False)
    for actor in (viewer, inactive):
        before = state()
        with pytest.raises(PermissionDenied):
            services.alert_mark_read(actor=actor, alert_ids=[alert.pk])
        assert state() == before
    keeper = stock_user(world.branch, username="keeper")
    for ids in ([], ["x"], [0], [True], [None], list(range(1, 502))):
        before = state()
        with pytest.raises(ValidationError) as caught:
            services.alert_mark_read(actor=keeper, alert_ids=ids)
        assert caught.value.field == "alert_ids"
        assert state() == before
    assert services.alert_mark_read(actor=keeper, alert_ids=[str(alert.pk)]) == 1
