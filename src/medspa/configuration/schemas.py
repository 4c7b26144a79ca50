"""Input and output shapes of the configuration API (one pair per endpoint family)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from medspa.core.api import ActiveFilters, Code, LocalDateTime

Order = Field(None, ge=0, le=2_147_483_647, description="Smaller comes first; omitted: last.")


# --- dictionaries ------------------------------------------------------------------------------


class DictionaryItemIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    parent_id: int | None = Field(None, description="Tree kinds: the parent entry; tags: the tag group.")
    order: int | None = Order
    colour: str = Field("", max_length=16, description="Tags only: #rrggbb.")
    multiple: bool = Field(False, description="Tag groups only: a customer may carry several tags.")


class DictionaryItemPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    parent_id: int | None = None
    order: int | None = Field(None, ge=0, le=2_147_483_647)
    colour: str | None = Field(None, max_length=16)
    multiple: bool | None = None
    is_active: bool | None = Field(None, description="true reactivates; false deactivates (with children).")


class DictionaryItemOut(Schema):
    id: int
    kind: str
    code: str
    name: str
    parent_id: int | None
    order: int
    is_active: bool
    colour: str
    multiple: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class DictionaryItemListOut(Schema):
    items: list[DictionaryItemOut]
    count: int


class DictionaryItemFilters(ActiveFilters):
    pass


# --- parameters ------------------------------------------------------------------------------------


class ParameterChoiceOut(Schema):
    value: Any
    label: str


class ParameterOut(Schema):
    key: str
    label: str
    group: str
    type: str
    help_text: str
    default: Any
    value: Any = Field(..., description="The effective value for the organisation and branch asked for.")
    source: Literal["default", "organisation", "branch"]
    organisation_value: Any = Field(None, description="null when the organisation has no value.")
    branch_value: Any = Field(None, description="null when the branch has no override.")
    min_value: Any = None
    max_value: Any = None
    choices: list[ParameterChoiceOut]
    permission: str


class ParameterListOut(Schema):
    items: list[ParameterOut]
    count: int


class ParameterBranchQuery(Schema):
    branch_id: int | None = Field(None, description="The branch whose override to read or remove.")


class ParameterIn(Schema):
    value: bool | int | float | str = Field(
        ..., description="Typed per parameter: a number, true/false or text (decimals may be strings)."
    )
    branch_id: int | None = Field(
        None, description="Override for this branch; omitted: the organisation's value."
    )


# --- visit stages ----------------------------------------------------------------------------------


class VisitStageIn(Schema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=100)
    order: int | None = Order


class VisitStagePatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    order: int | None = Field(None, ge=0, le=2_147_483_647)
    is_active: bool | None = Field(None, description="true reactivates; false deactivates.")


class VisitStageOut(Schema):
    id: int
    code: str
    name: str
    order: int
    is_active: bool
    created_at: LocalDateTime
    updated_at: LocalDateTime


class VisitStageListOut(Schema):
    items: list[VisitStageOut]
    count: int


class VisitStageFilters(ActiveFilters):
    pass


class VisitStageOrderIn(Schema):
    ids: list[int] = Field(..., max_length=1000, description="Every stage id, in the new order.")
