"""Periodic jobs of the accounts app."""

from __future__ import annotations

import logging

from crontask import cron
from django.tasks import task

from medspa.accounts.services import expired_credentials_purge

logger = logging.getLogger(__name__)


@cron("17 3 * * *")  # every day at 03:17 Asia/Shanghai
@task
def purge_expired_credentials() -> dict[str, int]:
    """Delete expired or revoked API tokens and expired sessions."""
    tokens, sessions = expired_credentials_purge()
    logger.info("purged %s API tokens and %s sessions", tokens, sessions)
    return {"tokens": tokens, "sessions": sessions}
