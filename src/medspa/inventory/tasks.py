"""Periodic jobs of the inventory app: the daily stock alerts (INV-09)."""

from __future__ import annotations

import logging
import zoneinfo

from crontask import cron
from django.tasks import task
from django.utils import timezone

from medspa.inventory import stock_services

logger = logging.getLogger(__name__)

CLINIC_TIME_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


@cron("10 1 * * *")  # every day at 01:10 Asia/Shanghai
@task
def generate_stock_alerts() -> int:
    """Write today's stock alerts (shortage, overstock, near expiry, expired, supplier
    certificates) for every active warehouse; returns how many were new. Running it again the
    same day adds nothing."""
    day = timezone.localdate(timezone=CLINIC_TIME_ZONE)
    created = stock_services.alerts_generate(day=day)
    logger.info("stock alerts for %s: %s new", day, created)
    return created
