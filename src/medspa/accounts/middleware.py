"""Per-request account state: the active branch the user works in, and the security policy's
session rules for browser sessions (SEC-02, SEC-04):

* idle timeout — the last activity is kept in the session; past the policy's minutes the
  session is logged out and the browser sent to the login page;
* a session whose record was removed (a newer login under "one session per account") is logged out;
* a reset or expired password sends every page to the change-password page (the API answers
  403 problem JSON with code ``password_expired``).

To keep requests cheap, the policy values the checks need are kept in the session and refreshed
with the session record at most once a minute (a "heartbeat"); between heartbeats no query runs.
Requests authenticated by a bearer token are not session requests and are not checked here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from medspa.accounts import security
from medspa.accounts.selectors import active_branch
from medspa.core.problems import problem_response

# Session keys: the policy snapshot + last activity, and "this session was opened by our login".
STATE_KEY = "_security"
TRACKED_KEY = "_security_tracked"
HEARTBEAT_SECONDS = 60


def session_state(request: HttpRequest, *, refresh: bool = False) -> dict[str, Any]:
    """The policy values of the request's user kept in the session (read once a minute)."""
    state: dict[str, Any] | None = request.session.get(STATE_KEY)
    if state is None or refresh:
        user = request.user
        policy = security.policy_for(user.organisation_id)  # type: ignore[union-attr]
        staff_id = getattr(user, "staff_id", None)
        employee_no = ""
        if staff_id is not None:
            from medspa.organization.models import Staff

            employee_no = (
                Staff.objects.filter(pk=staff_id).values_list("employee_no", flat=True).first() or ""
            )
        state = {
            "seen": (state or {}).get("seen"),
            "idle": policy.idle_timeout_minutes,
            "max_age": policy.password_max_age_days,
            "wm": policy.watermark_enabled,
            "wm_text": policy.watermark_template,
            "emp": employee_no,
        }
    return state


class AccountSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            branch = active_branch(request)
            user.active_branch_id = branch.pk if branch else None  # type: ignore[attr-defined]
            if not self._exempt(request):
                refused = self._check_session(request)
                if refused is not None:
                    return refused
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        path = request.path
        if path.startswith(settings.STATIC_URL or "/static/") or path.startswith(
            settings.MEDIA_URL or "/media/"
        ):
            return True
        # A bearer-token API call is judged by its token, never by the browser session.
        return path.startswith("/api/") and bool(request.headers.get("Authorization"))

    def _check_session(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        now = timezone.now()
        state = request.session.get(STATE_KEY)
        if state and state.get("seen") and now.timestamp() - state["seen"] > state["idle"] * 60:
            return self._logout(
                request, _("You were logged out after %(n)d minutes without activity.") % {"n": state["idle"]}
            )
        if state is None or now.timestamp() - (state.get("seen") or 0) >= HEARTBEAT_SECONDS:
            key = request.session.session_key
            if request.session.get(TRACKED_KEY) and key and not security.session_touch(key):
                return self._logout(
                    request, _("You were logged out because your account logged in elsewhere.")
                )
            state = session_state(request, refresh=True)
            state["seen"] = now.timestamp()
            request.session[STATE_KEY] = state
        if user.must_change_password or security.password_expired_at(  # type: ignore[union-attr]
            user.password_changed_at,  # type: ignore[union-attr]
            state["max_age"],
        ):
            return self._force_password_change(request)
        return None

    def _logout(self, request: HttpRequest, message: str) -> HttpResponse:
        user = request.user
        security.session_end(request=request, user=user, reason=message)  # type: ignore[arg-type]
        logout(request)
        if request.path.startswith("/api/"):
            return problem_response(401, message, code="session_ended", instance=request.path)
        messages.warning(request, message)
        target = reverse("accounts:login")
        if request.method == "GET" and not getattr(request, "htmx", False):
            target += "?" + urlencode({"next": request.get_full_path()}, safe="/")
        return _redirect(request, target)

    @staticmethod
    def _force_password_change(request: HttpRequest) -> HttpResponse | None:
        change = reverse("accounts:password_change")
        allowed = {change, reverse("accounts:logout"), reverse("accounts:login"), "/api/v1/me/password"}
        if request.path in allowed:
            return None
        detail = _("Your password has expired or was reset. Change it before you continue.")
        if request.path.startswith("/api/"):
            return problem_response(403, detail, code="password_expired", instance=request.path)
        return _redirect(request, change)


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
