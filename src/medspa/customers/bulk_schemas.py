"""Input and output shapes of the bulk-maintenance endpoints (CRM-08)."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field


class BulkChangeIn(Schema):
    """Only the fields sent are changed; ``consultant_id: null`` clears the owner."""

    customer_ids: list[int] = Field(..., min_length=1, max_length=5000)
    consultant_id: int | None = None
    source_channel_id: int | None = None
    add_tag_ids: list[int] = Field(default_factory=list, max_length=100)
    remove_tag_ids: list[int] = Field(default_factory=list, max_length=100)
    custom: dict[str, Any] = Field(default_factory=dict)


class BulkChangeOut(Schema):
    changed: int


class MergeIn(Schema):
    keep_id: int
    duplicate_id: int


class MergeOut(Schema):
    customer_id: int
    moved: dict[str, int]
