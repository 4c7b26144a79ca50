from __future__ import annotations

from django.utils import timezone

from medspa.accounts.models import User
from medspa.accounts.roles import BUILTIN_ROLES, ensure_builtin_roles
from medspa.organization.models import Branch, Organisation, Staff

DISPLAY_NAMES = {
    "sysadmin": "系统管理员",
    "secadmin": "安全管理员",
    "auditor": "审计管理员",
    "director": "王院长",
    "consultant": "李咨询",
    "doctor": "张医生",
    "nurse": "陈护士",
    "triage": "刘分诊",
    "cashier": "赵收银",
    "service": "孙客服",
    "storekeeper": "周库管",
    "marketing": "吴市场",
    "finance": "郑财务",
}


def seed(
    *,
    organisation: Organisation,
    branches: list[Branch],
    staff: dict[str, Staff],
    password: str,
) -> list[tuple[str, str]]:
    """One login per built-in role, linked to its staff record, working in every demo branch (the
    main branch by default). Demo logins are exempt from the forced first change of password."""
    logins = []
    roles = ensure_builtin_roles()
    for role in BUILTIN_ROLES:
        group = roles[role.name]
        user = User.objects.filter(username=role.username).first()
        if user is None:
            user = User(
                username=role.username,
                display_name=DISPLAY_NAMES[role.username],
                default_branch=branches[0],
                organisation=organisation,
                staff=staff.get(role.username),
                password_changed_at=timezone.now(),
                must_change_password=False,
            )
            user.set_password(password)
            user.save()
        user.groups.add(group)
        user.branches.add(*branches)
        logins.append((role.username, role.name))
    return logins
