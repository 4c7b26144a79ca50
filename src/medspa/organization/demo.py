"""Demo data of the organisation: a clinic group with two branches, departments, positions and
one staff record per demo login. Idempotent: running it again changes nothing."""

from __future__ import annotations

import datetime

from medspa.organization.models import Branch, Department, Organisation, Position, Staff

# (code, name, parent code)
DEPARTMENTS = (
    ("aesthetics", "医学美容科", None),
    ("injection", "注射美容组", "aesthetics"),
    ("laser", "激光美容组", "aesthetics"),
    ("service", "客服中心", None),
    ("pharmacy", "药剂科/库房", None),
    ("finance", "财务部", None),
    ("it", "信息科", None),
)

POSITIONS = (
    ("doctor", "医生"),
    ("nurse", "护士"),
    ("consultant", "咨询师"),
    ("triage", "分诊"),
    ("cashier", "收银"),
    ("service", "客服"),
    ("storekeeper", "库管"),
    ("marketing", "市场"),
    ("director", "院长"),
    ("finance", "财务"),
    ("admin", "管理员"),
)

# username of the demo login → (department code, position codes)
PEOPLE = {
    "sysadmin": ("it", ("admin",)),
    "secadmin": ("it", ("admin",)),
    "auditor": ("it", ("admin",)),
    "director": ("aesthetics", ("director", "doctor")),
    "consultant": ("aesthetics", ("consultant",)),
    "doctor": ("injection", ("doctor",)),
    "nurse": ("laser", ("nurse",)),
    "triage": ("service", ("triage",)),
    "cashier": ("finance", ("cashier",)),
    "service": ("service", ("service",)),
    "storekeeper": ("pharmacy", ("storekeeper",)),
    "marketing": ("service", ("marketing",)),
    "finance": ("finance", ("finance",)),
}


def seed() -> tuple[Organisation, list[Branch]]:
    """A demo clinic group with two branches."""
    organisation, _created = Organisation.objects.get_or_create(
        code="demo", defaults={"name": "演示医美集团"}
    )
    branches = []
    for code, name in (("main", "总院医学美容科"), ("east", "东区门店")):
        branch, _created = Branch.objects.get_or_create(
            organisation=organisation, code=code, defaults={"name": name}
        )
        branches.append(branch)
    return organisation, branches


def seed_people(organisation: Organisation, branches: list[Branch]) -> dict[str, Staff]:
    """Departments of the main branch, the positions, and a staff record (E0001…) for each demo
    login, keyed by its username. The accounts seed links the logins to these records."""
    from medspa.accounts.demo import DISPLAY_NAMES

    main = branches[0]
    departments: dict[str, Department] = {}
    for order, (code, name, parent) in enumerate(DEPARTMENTS):
        departments[code], _created = Department.objects.get_or_create(
            branch=main,
            code=code,
            defaults={"name": name, "parent": departments.get(parent or ""), "order": order * 10},
        )
    positions: dict[str, Position] = {}
    for order, (code, name) in enumerate(POSITIONS):
        positions[code], _created = Position.objects.get_or_create(
            organisation=organisation, code=code, defaults={"name": name, "order": order * 10}
        )
    people: dict[str, Staff] = {}
    for number, (username, (department, position_codes)) in enumerate(PEOPLE.items(), start=1):
        staff, created = Staff.objects.get_or_create(
            organisation=organisation,
            employee_no=f"E{number:04d}",
            defaults={
                "branch": main,
                "name": DISPLAY_NAMES[username],
                "phone": f"138{number:08d}",
                "department": departments[department],
                "hire_date": datetime.date(2024, 1, 1) + datetime.timedelta(days=30 * number),
            },
        )
        if created:
            staff.positions.set([positions[code] for code in position_codes])
        people[username] = staff
    return people
