"""Human-readable document numbers — PLT-09: ``ORD-20261122-0001``, per branch, document type and
day, gap-free and unique under concurrency.

A number is taken inside the caller's transaction: the counter row stays locked until that
transaction ends, so concurrent callers queue behind it, and a caller that rolls back gives its
number back (the next caller gets the same one) — no gaps, no duplicates.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from medspa.core.models import DocumentCounter

_DOC_TYPE = re.compile(r"^[A-Z][A-Z0-9]{0,15}$")


def format_number(doc_type: str, day: datetime.date, seq: int) -> str:
    """``ORD-20261122-0001``; past 9999 the sequence simply grows (``-10000``)."""
    return f"{doc_type}-{day:%Y%m%d}-{seq:04d}"


def next_number(branch: Any, doc_type: str, day: datetime.date) -> str:
    """Take the next number of ``doc_type`` (``"ORD"``, ``"PO"``…) for ``branch`` (a Branch or its
    id) on ``day``. Must run inside ``transaction.atomic()``: the number belongs to the caller's
    transaction and is released if it rolls back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must be called inside transaction.atomic()")
    if not _DOC_TYPE.match(doc_type):
        raise ValueError(f"document type must be 1-16 upper-case letters or digits, not {doc_type!r}")
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise TypeError("day must be a datetime.date")
    branch_id = branch if isinstance(branch, int) else branch.pk
    counter = DocumentCounter.objects.filter(branch_id=branch_id, doc_type=doc_type, day=day)
    # The UPDATE takes the row lock (held until the caller's transaction ends) and increments
    # the committed value, so concurrent callers serialise here.
    if not counter.update(last_value=F("last_value") + 1):
        try:
            with transaction.atomic():  # a savepoint: a concurrent first number must not abort us
                DocumentCounter.objects.create(branch_id=branch_id, doc_type=doc_type, day=day, last_value=1)
            return format_number(doc_type, day, 1)
        except IntegrityError:
            # Another transaction created the row first (and has committed: the unique index
            # made us wait for it); take the next value after its one.
            counter.update(last_value=F("last_value") + 1)
    seq = counter.values_list("last_value", flat=True).get()
    return format_number(doc_type, day, seq)
