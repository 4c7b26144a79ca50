"""Template context of the security policy: the on-screen watermark (SEC-06)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medspa.accounts import security
from medspa.accounts.middleware import STATE_KEY, session_state

WATERMARK_REPEAT = range(60)


def watermark(request: HttpRequest) -> dict[str, Any]:
    """``watermark_text`` for a logged-in page when the organisation's policy enables it."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return {}
    state = session.get(STATE_KEY) or session_state(request)
    if not state.get("wm"):
        return {}
    text = security.watermark_text(state.get("wm_text") or "", user=user, employee_no=state.get("emp") or "")
    if not text:
        return {}
    return {"watermark_text": text, "watermark_repeat": WATERMARK_REPEAT}
