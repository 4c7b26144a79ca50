"""POST /api/v1/customers/bulk-change and /api/v1/customers/merge — the same services as the
bulk pages (CRM-08)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from medspa.customers import bulk_services
from medspa.customers.bulk_schemas import BulkChangeIn, BulkChangeOut, MergeIn, MergeOut

router = Router(tags=["customers"])


@router.post("/customers/bulk-change", response=BulkChangeOut, summary="Change many customers at once")
def bulk_change(request: HttpRequest, payload: BulkChangeIn) -> dict[str, int]:
    sent = payload.model_fields_set
    change = bulk_services.BulkChange(
        consultant_id=payload.consultant_id if "consultant_id" in sent else bulk_services.UNSET,
        source_channel_id=payload.source_channel_id if "source_channel_id" in sent else bulk_services.UNSET,
        add_tag_ids=payload.add_tag_ids,
        remove_tag_ids=payload.remove_tag_ids,
        custom=payload.custom,
    )
    changed = bulk_services.customer_bulk_change(
        actor=request.auth,  # type: ignore[attr-defined]
        customer_ids=payload.customer_ids,
        change=change,
    )
    return {"changed": changed}


@router.post("/customers/merge", response=MergeOut, summary="Merge a duplicate customer into another")
def merge(request: HttpRequest, payload: MergeIn) -> dict[str, object]:
    result = bulk_services.customer_merge(
        actor=request.auth,  # type: ignore[attr-defined]
        keep_id=payload.keep_id,
        duplicate_id=payload.duplicate_id,
    )
    return {"customer_id": result.customer.pk, "moved": result.moved}
