from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from medspa.audit.choices import Result
from medspa.core.api import LocalDateTime


class AuditEventFilters(Schema):
    user: str | None = Field(None, max_length=150, description="User name contains.")
    module: str | None = Field(None, max_length=50, description="Module (app), e.g. `accounts`.")
    action: str | None = Field(None, max_length=50, description="Action, e.g. `update`, `denied`.")
    result: Result | None = Field(None, description="success, denied or failed.")
    time_from: datetime.date | None = Field(None, description="From this day (Asia/Shanghai).")
    time_to: datetime.date | None = Field(None, description="Up to and including this day (Asia/Shanghai).")
    ip: str | None = Field(None, max_length=45, description="An IP address, or its beginning.")


class AuditEventOut(Schema):
    id: int
    occurred_at: LocalDateTime
    actor_id: int | None
    actor_name: str
    organisation_id: int | None
    branch_id: int | None
    branch_name: str | None = None
    module: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    ip: str | None
    user_agent: str
    request_id: str
    result: Result
    message: str
    prev_hash: str
    hash: str

    @staticmethod
    def resolve_branch_name(obj: Any) -> str | None:
        branch = obj.branch
        return branch.name if branch is not None else None


class AuditEventListOut(Schema):
    items: list[AuditEventOut]
    count: int
