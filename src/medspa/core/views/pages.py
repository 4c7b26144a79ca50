from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from medspa.core import health, menu, problems


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: who I am, where I work today, and the modules I may open."""
    links = [item for group in menu.menu_for(request.user) for item in group.items if item.key != "home"]
    context = {
        "title": _("Home"),
        "breadcrumbs": [{"label": _("Home"), "url": None}],
        "today": timezone.localdate(),
        "links": links,
        "groups": [g.name for g in request.user.groups.all()],
    }
    return render(request, "core/home.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    healthy, body = health.health_report()
    return HttpResponse(json.dumps(body), status=200 if healthy else 503, content_type="application/json")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problems.problem_response(
            400, _("The request could not be understood."), instance=request.path
        )
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problems.problem_response(
            403, _("You do not have permission to do this."), instance=request.path
        )
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problems.problem_response(404, _("The object was not found."), instance=request.path)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problems.problem_response(500, _("An unexpected error occurred. It has been logged."))
    # No context processors here: the failure may come from them.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)
