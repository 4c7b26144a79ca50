from __future__ import annotations

from medspa.accounts.models import User
from medspa.accounts.roles import BUILTIN_ROLES, ensure_builtin_roles
from medspa.organization.models import Branch

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


def seed(*, branches: list[Branch], password: str) -> list[tuple[str, str]]:
    """One login per built-in role, working in every demo branch (main branch by default)."""
    logins = []
    roles = ensure_builtin_roles()
    for username, role_name, _perms in BUILTIN_ROLES:
        group = roles[role_name]
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=DISPLAY_NAMES[username], default_branch=branches[0])
            user.set_password(password)
            user.save()
        user.groups.add(group)
        user.branches.add(*branches)
        logins.append((username, role_name))
    return logins
