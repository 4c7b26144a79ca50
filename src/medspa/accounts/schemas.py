from __future__ import annotations

from ninja import Schema
from pydantic import Field

from medspa.core.api import LocalDateTime


class TokenLoginIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=128)
    name: str = Field("", max_length=100, description="Optional label, e.g. the integration's name.")


class TokenIssuedOut(Schema):
    token: str = Field(..., description="The bearer token. It is shown only once.")
    expires_at: LocalDateTime


class TokenRenameIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: LocalDateTime
    expires_at: LocalDateTime
    last_used_at: LocalDateTime | None
    revoked_at: LocalDateTime | None


class TokenListOut(Schema):
    items: list[TokenOut]
    count: int


class BranchOut(Schema):
    id: int
    code: str
    name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    active_branch: BranchOut | None
    branches: list[BranchOut]
    permissions: list[str]


class RoleRef(Schema):
    id: int
    name: str


class AccountOut(Schema):
    id: int
    username: str
    display_name: str
    staff_id: int | None
    default_branch_id: int | None
    branch_ids: list[int]
    roles: list[RoleRef]
    is_active: bool
    must_change_password: bool
    locked_until: LocalDateTime | None
    last_login: LocalDateTime | None

    @staticmethod
    def resolve_branch_ids(obj: object) -> list[int]:
        return sorted(b.pk for b in obj.branches.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_roles(obj: object) -> list[object]:
        return list(obj.groups.all())  # type: ignore[attr-defined]


class AccountListOut(Schema):
    items: list[AccountOut]
    count: int


class AccountCreateIn(Schema):
    username: str = Field(..., max_length=150)
    display_name: str = Field("", max_length=100)
    password: str = Field(..., max_length=128)
    staff_id: int | None = None
    branch_ids: list[int] = Field(..., max_length=100)
    default_branch_id: int | None = None
    role_ids: list[int] = Field(default_factory=list, max_length=100)


class AccountUpdateIn(Schema):
    display_name: str = Field("", max_length=100)
    staff_id: int | None = None
    branch_ids: list[int] = Field(..., max_length=100)
    default_branch_id: int | None = None
    role_ids: list[int] = Field(default_factory=list, max_length=100)


class PasswordResetIn(Schema):
    password: str = Field(..., max_length=128)


class RoleOut(Schema):
    id: int
    name: str
    data_scope: int
    data_scope_label: str
    builtin: bool
    description: str
    permissions: list[str]
    holders: int

    @staticmethod
    def resolve_data_scope(obj: object) -> int:
        return int(obj.profile.data_scope)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_data_scope_label(obj: object) -> str:
        return str(obj.profile.get_data_scope_display())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_builtin(obj: object) -> bool:
        return bool(obj.profile.builtin_key)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_description(obj: object) -> str:
        return str(obj.profile.description)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_permissions(obj: object) -> list[str]:
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in obj.permissions.all())  # type: ignore[attr-defined]


class RoleListOut(Schema):
    items: list[RoleOut]
    count: int


class RoleIn(Schema):
    name: str = Field(..., max_length=150)
    data_scope: int = Field(..., ge=1, le=4, description="1 own, 2 department, 3 branch, 4 organisation")
    description: str = Field("", max_length=200)
    permissions: list[str] = Field(default_factory=list, max_length=1000, description='"app_label.codename"')


class PermissionNodeOut(Schema):
    key: str
    label: str
    action: str


class PermissionObjectOut(Schema):
    label: str
    permissions: list[PermissionNodeOut]


class PermissionModuleOut(Schema):
    app_label: str
    label: str
    objects: list[PermissionObjectOut]


class AccountFilterIn(Schema):
    q: str | None = Field(None, max_length=100)
    role: int | None = None
    branch: int | None = None
    is_active: bool | None = None
    locked: bool | None = None
