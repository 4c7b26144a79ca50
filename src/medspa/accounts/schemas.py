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
