"""The lifecycle rule (CRM-12) in one function: 潜在 never visited, 新客 one visit, 老客 more,
沉睡 no visit for ``crm.dormant_days``, 流失 no visit for ``crm.lost_days``."""

from __future__ import annotations

import datetime

from medspa.customers.choices import LifecycleStatus


def lifecycle_status(
    *,
    visit_count: int,
    last_visit_at: datetime.datetime | None,
    now: datetime.datetime,
    dormant_days: int,
    lost_days: int,
) -> LifecycleStatus:
    if visit_count <= 0 or last_visit_at is None:
        return LifecycleStatus.POTENTIAL
    idle = now - last_visit_at
    if idle >= datetime.timedelta(days=lost_days):
        return LifecycleStatus.LOST
    if idle >= datetime.timedelta(days=dormant_days):
        return LifecycleStatus.DORMANT
    return LifecycleStatus.NEW if visit_count == 1 else LifecycleStatus.RETURNING
