"""Input and output shapes of /consultations, /complaints and /customer-files (and their
per-customer lists under /customers/{id}/…)."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from medspa.core.api import LocalDateTime

# --- consultations -----------------------------------------------------------------------------


class ConsultationIn(Schema):
    consulted_at: datetime.datetime = Field(..., description="ISO 8601 with offset; not in the future.")
    consultant_id: int | None = Field(None, description="Staff id; default: your own staff record.")
    channel: str = Field("visit", max_length=16, description="visit, phone, online, wechat or other.")
    projects: str = Field("", max_length=200)
    content: str = Field(..., min_length=1, max_length=5000)
    chat_log: str = Field("", max_length=20000)
    potential_needs: str = Field("", max_length=2000)
    outcome: str = Field(..., max_length=16, description="deal or no_deal.")
    outcome_reason_id: int | None = Field(
        None, description="Reason not closed (dictionary outcome_reason): required with no_deal only."
    )


class ConsultationPatch(Schema):
    consulted_at: datetime.datetime | None = None
    consultant_id: int | None = None
    channel: str | None = Field(None, max_length=16)
    projects: str | None = Field(None, max_length=200)
    content: str | None = Field(None, min_length=1, max_length=5000)
    chat_log: str | None = Field(None, max_length=20000)
    potential_needs: str | None = Field(None, max_length=2000)
    outcome: str | None = Field(None, max_length=16)
    outcome_reason_id: int | None = None


class ConsultationOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    branch_id: int
    consulted_at: LocalDateTime
    consultant_id: int
    consultant_name: str
    channel: str
    projects: str
    content: str
    chat_log: str
    potential_needs: str
    outcome: str
    outcome_reason_id: int | None
    outcome_reason_name: str
    photo_ids: list[int]
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_customer_name(obj: Any) -> str:
        return str(obj.customer.name)

    @staticmethod
    def resolve_consultant_name(obj: Any) -> str:
        return str(obj.consultant.name)

    @staticmethod
    def resolve_outcome_reason_name(obj: Any) -> str:
        return obj.outcome_reason.name if obj.outcome_reason is not None else ""

    @staticmethod
    def resolve_photo_ids(obj: Any) -> list[int]:
        return [photo.pk for photo in obj.photos.all()]


class ConsultationListOut(Schema):
    items: list[ConsultationOut]
    count: int


class ConsultationFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Customer name, pinyin, phone or card no.")
    consultant: int | None = Field(None, description="Staff id.")
    outcome: Literal["deal", "no_deal"] | None = None
    channel: Literal["visit", "phone", "online", "wechat", "other"] | None = None
    date_from: datetime.date | None = Field(None, description="Consulted on or after this day.")
    date_to: datetime.date | None = Field(None, description="Consulted on or before this day.")


# --- complaints --------------------------------------------------------------------------------


class ComplaintIn(Schema):
    received_at: datetime.datetime = Field(..., description="ISO 8601 with offset; not in the future.")
    content: str = Field(..., min_length=1, max_length=5000)


class ComplaintAssignIn(Schema):
    assignee_id: int = Field(..., description="Staff id of the person who handles it.")


class ComplaintResolveIn(Schema):
    resolution: str = Field(..., min_length=1, max_length=5000)


class ComplaintOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    branch_id: int
    received_at: LocalDateTime
    content: str
    status: str
    assignee_id: int | None
    assignee_name: str
    resolution: str
    resolved_at: LocalDateTime | None
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_customer_name(obj: Any) -> str:
        return str(obj.customer.name)

    @staticmethod
    def resolve_assignee_name(obj: Any) -> str:
        return obj.assignee.name if obj.assignee is not None else ""


class ComplaintListOut(Schema):
    items: list[ComplaintOut]
    count: int


class ComplaintFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Customer name, pinyin, phone or card no.")
    status: Literal["open", "assigned", "resolved"] | None = None
    assignee: int | None = Field(None, description="Staff id.")
    date_from: datetime.date | None = Field(None, description="Received on or after this day.")
    date_to: datetime.date | None = Field(None, description="Received on or before this day.")


# --- files -------------------------------------------------------------------------------------


class CustomerFileIn(Schema):
    kind: str = Field(
        "other", max_length=16, description="prescription, diagnosis, record, consent, photo or other."
    )
    consultation_id: int | None = Field(None, description="A consultation of the customer (photos only).")
    description: str = Field("", max_length=200)


class CustomerFileOut(Schema):
    id: int
    customer_id: int
    branch_id: int
    kind: str
    original_name: str
    size: int
    content_type: str
    consultation_id: int | None
    description: str
    download_url: str
    created_at: LocalDateTime

    @staticmethod
    def resolve_download_url(obj: Any) -> str:
        return f"/api/v1/customer-files/{obj.pk}/download"


class CustomerFileListOut(Schema):
    items: list[CustomerFileOut]
    count: int


class CustomerFileFilters(Schema):
    kind: Literal["prescription", "diagnosis", "record", "consent", "photo", "other"] | None = None
