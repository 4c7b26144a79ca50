"""The demo seed of the organisation."""

import pytest

from medspa.accounts.demo import DISPLAY_NAMES
from medspa.organization import demo
from medspa.organization.models import Department, Position, Staff

pytestmark = [pytest.mark.django_db, pytest.mark.req("PLT-01", "PLT-02")]


def test_seed_people_is_idempotent_and_matches_the_logins():
    organisation, branches = demo.seed()
    people = demo.seed_people(organisation, branches)
    again = demo.seed_people(*demo.seed())
    assert {k: v.pk for k, v in people.items()} == {k: v.pk for k, v in again.items()}
    assert list(people) == list(DISPLAY_NAMES)
    assert {username: staff.name for username, staff in people.items()} == DISPLAY_NAMES
    assert [people[u].employee_no for u in ("sysadmin", "finance")] == ["E0001", "E0013"]
    assert Staff.objects.count() == 13 and Position.objects.count() == 11 and Department.objects.count() == 7
    doctor = people["doctor"]
    assert (doctor.branch_id, doctor.department.name, doctor.department.parent.name) == (
        branches[0].pk,
        "注射美容组",
        "医学美容科",
    )
    assert list(doctor.positions.values_list("name", flat=True)) == ["医生"]
    assert sorted(people["director"].positions.values_list("code", flat=True)) == ["director", "doctor"]
