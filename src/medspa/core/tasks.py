"""Kernel tasks. ``ping`` proves the worker runs tasks end to end."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone


@task
def ping(message: str) -> dict[str, str]:
    """Echo the message with the time it ran; used by tests and the operator's smoke check."""
    return {"message": message, "ran_at": timezone.now().isoformat()}
