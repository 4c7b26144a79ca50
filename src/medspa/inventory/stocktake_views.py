"""Pages of the stocktake (盘点) — INV-07: the list, starting one, the counting page (typed
counts per line and a scan input that updates the scanned line in place), submitting, the
approval page with the gains and losses, and cancelling. :func:`register_menu` adds the menu
item."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from medspa.core import errors, menu
from medspa.core.htmx import wants_partial
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
    get_or_404,
)
from medspa.inventory import stocktake_selectors as selectors
from medspa.inventory import stocktake_services as services
from medspa.inventory.choices import StocktakeStatus
from medspa.inventory.models import Stocktake, StocktakeLine
from medspa.inventory.stocktake_forms import (
    StocktakeApproveForm,
    StocktakeFilterSet,
    StocktakeScanForm,
    StocktakeStartForm,
    StocktakeSubmitForm,
)
from medspa.inventory.stocktake_tables import StocktakeTable

VIEW = "inventory.view_stocktake"
ADD = "inventory.add_stocktake"
APPROVE = "inventory.approve_stocktake"
STOCKTAKES = (gettext_lazy("Stocktakes"), "inventory_stocktake:list")
DETAIL_TEMPLATE = "inventory/stocktake_detail.html"


def register_menu() -> None:
    menu.register(
        menu.MenuItem(
            key="inventory-stocktakes",
            label=gettext_lazy("Stocktakes"),
            url_name="inventory_stocktake:list",
            icon="ti-clipboard-check",
            order=550,
            group=gettext_lazy("Inventory"),
            permissions=(VIEW,),
        )
    )


def _qty(value: Decimal | None) -> str:
    """``12.500`` → ``12.5``; ``None`` → ``""``."""
    if value is None:
        return ""
    return f"{value.normalize():f}"


def _detail_url(stocktake: Stocktake | int) -> str:
    pk = stocktake.pk if isinstance(stocktake, Stocktake) else stocktake
    return reverse("inventory_stocktake:detail", args=[pk])


def line_row(line: StocktakeLine, *, typed: str | None = None, error: str = "") -> dict[str, Any]:
    """What the line row shows: quantities formatted, the difference and its value."""
    difference = selectors.line_difference(line)
    shown = _qty(line.counted_quantity)
    return {
        "line": line,
        "book": _qty(line.book_quantity),
        "counted": shown,
        "shown": shown,
        "input": shown if typed is None else typed,
        "difference": difference,
        "difference_text": "" if difference is None else f"{'+' if difference > 0 else ''}{_qty(difference)}",
        "value": selectors.line_difference_value(line),
        "error": error,
    }


def _titled(context: dict[str, Any], title: str) -> dict[str, Any]:
    context["title"] = title
    context["breadcrumbs"][-1]["label"] = title
    return context


class StocktakeListView(ObjectListView):
    permissions = (VIEW,)
    title = gettext_lazy("Stocktakes")
    selector = selectors.stocktakes_for
    filterset_class = StocktakeFilterSet
    table_class = StocktakeTable
    export_basename = "stocktakes"
    create_url_name = "inventory_stocktake:create"
    create_permissions = (ADD,)
    create_label = gettext_lazy("New stocktake")
    empty_text = gettext_lazy("No stocktakes yet.")


class StocktakeCreateView(ObjectCreateView):
    permissions = (VIEW, ADD)
    title = gettext_lazy("New stocktake")
    breadcrumbs = (STOCKTAKES,)
    form_class = StocktakeStartForm
    submit_label = gettext_lazy("Start counting")
    success_message = gettext_lazy("The stocktake was started; the book quantities are taken now.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user}

    def perform(self, form: forms.Form) -> Stocktake:
        data = form.cleaned_data
        return services.stocktake_start(
            actor=self.request.user,  # type: ignore[arg-type]
            warehouse=data["warehouse"],
            category_id=data["category"].pk if data["category"] else None,
            note=data["note"],
        )

    def success_url(self, result: Stocktake) -> str:
        return _detail_url(result)


class StocktakeDetailView(PermissionRequiredView):
    """The stocktake with its lines: while counting, an input per line and a scan box."""

    permissions = (VIEW,)
    breadcrumbs = (STOCKTAKES,)
    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        stocktake: Stocktake = get_or_404(selectors.stocktake_get_for, request.user, pk)  # type: ignore[assignment]
        return render_detail(self, stocktake)


def render_detail(
    view: PermissionRequiredView,
    stocktake: Stocktake,
    *,
    typed: dict[int, str] | None = None,
    error: str = "",
    error_line: int | None = None,
    status: int = 200,
) -> HttpResponse:
    request = view.request
    user = request.user
    lines = list(selectors.stocktake_lines(stocktake))
    typed = typed or {}
    rows = [
        line_row(
            line,
            typed=typed.get(line.pk),
            error=error if line.pk == error_line else "",
        )
        for line in lines
    ]
    is_open = stocktake.status in services.OPEN_STATUSES
    can_count = stocktake.status == StocktakeStatus.COUNTING and user.has_perm(ADD)
    context = view.base_context(
        object=stocktake,
        rows=rows,
        summary=selectors.stocktake_summary(lines),
        can_count=can_count,
        scan_form=StocktakeScanForm() if can_count else None,
        submit_url=reverse("inventory_stocktake:submit", args=[stocktake.pk]) if can_count else None,
        approve_url=(
            reverse("inventory_stocktake:approve", args=[stocktake.pk])
            if stocktake.status == StocktakeStatus.SUBMITTED
            else None
        ),
        cancel_url=(
            reverse("inventory_stocktake:cancel", args=[stocktake.pk])
            if is_open and user.has_perm(ADD)
            else None
        ),
        error=error,
    )
    _titled(context, _("Stocktake %(number)s") % {"number": stocktake.number})
    return render(request, DETAIL_TEMPLATE, context, status=status)


class StocktakeCountView(PermissionRequiredView):
    """POST the typed counts (``count-<line id>``). Only the inputs whose value differs from what
    the page showed (``was-<line id>``) are sent, so a count scanned meanwhile elsewhere is kept."""

    permissions = (VIEW, ADD)
    breadcrumbs = (STOCKTAKES,)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        stocktake: Stocktake = get_or_404(selectors.stocktake_get_for, request.user, pk)  # type: ignore[assignment]
        typed: dict[int, str] = {}
        counts: list[tuple[int, Any]] = []
        for key in request.POST:
            if not key.startswith("count-"):
                continue
            try:
                line_id = int(key.removeprefix("count-"))
            except ValueError:
                continue
            text = str(request.POST.get(key, "")).strip()
            typed[line_id] = text
            if text != str(request.POST.get(f"was-{line_id}", "")).strip():
                counts.append((line_id, text or None))
        if not counts:
            messages.info(request, _("No count was changed."))
            return HttpResponseRedirect(_detail_url(stocktake))
        try:
            services.stocktake_count(actor=request.user, stocktake=stocktake.pk, counts=counts)  # type: ignore[arg-type]
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc
        except errors.DomainError as exc:
            error_line = None
            if exc.field and exc.field.startswith("counts."):
                try:
                    error_line = int(exc.field.removeprefix("counts."))
                except ValueError:
                    error_line = None
            stocktake = get_or_404(selectors.stocktake_get_for, request.user, pk)  # type: ignore[assignment]
            return render_detail(
                self, stocktake, typed=typed, error=exc.message, error_line=error_line, status=422
            )
        messages.success(
            request,
            ngettext("%(n)s count was saved.", "%(n)s counts were saved.", len(counts)) % {"n": len(counts)},
        )
        return HttpResponseRedirect(_detail_url(stocktake))


class StocktakeScanView(PermissionRequiredView):
    """POST a scanned code: with htmx the answer is a message and the scanned line's row (swapped
    in place, or appended for a lot found on the shelf but not in the book)."""

    permissions = (VIEW, ADD)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        stocktake: Stocktake = get_or_404(selectors.stocktake_get_for, request.user, pk)  # type: ignore[assignment]
        form = StocktakeScanForm(request.POST)
        line: StocktakeLine | None = None
        new_line = False
        if not form.is_valid():
            error = _("Scan or type a barcode.")
        else:
            known = set(StocktakeLine.objects.filter(stocktake=stocktake).values_list("pk", flat=True))
            try:
                line = services.stocktake_scan(
                    actor=request.user,  # type: ignore[arg-type]
                    stocktake=stocktake.pk,
                    code=form.cleaned_data["code"],
                    quantity=form.cleaned_data["quantity"],
                )
            except errors.PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except errors.NotFound as exc:
                raise Http404(exc.message) from exc
            except errors.DomainError as exc:
                error = exc.message
            else:
                error = ""
                new_line = line.pk not in known
        message = ""
        if line is not None:
            message = _("%(item)s lot %(lot)s: counted %(counted)s %(unit)s (book %(book)s).") % {
                "item": line.item.name,
                "lot": line.lot.batch_no or "—",
                "counted": _qty(line.counted_quantity),
                "unit": line.item.base_unit,
                "book": _qty(line.book_quantity),
            }
        if wants_partial(request):
            context = {
                "scan_error": error,
                "scan_message": message,
                "row": line_row(line) if line is not None else None,
                "summary": (
                    selectors.stocktake_summary(list(selectors.stocktake_lines(stocktake)))
                    if line is not None
                    else None
                ),
                "new_line": new_line,
                "can_count": True,
                "oob": True,
            }
            return render(request, f"{DETAIL_TEMPLATE}#scan_result", context)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, message)
        return HttpResponseRedirect(_detail_url(stocktake))


class StocktakeSubmitView(ObjectEditView):
    permissions = (VIEW, ADD)
    title = gettext_lazy("Submit stocktake")
    breadcrumbs = (STOCKTAKES,)
    getter = selectors.stocktake_get_for
    form_class = StocktakeSubmitForm
    template_name = "inventory/stocktake_submit.html"
    submit_label = gettext_lazy("Submit for approval")
    success_message = gettext_lazy("The stocktake was submitted for approval.")

    def uncounted(self) -> int:
        stocktake: Stocktake = self.get_object()  # type: ignore[assignment]
        return int(stocktake.line_count - stocktake.counted_count)  # type: ignore[attr-defined]

    def form_kwargs(self) -> dict[str, Any]:
        return {"uncounted": self.uncounted()}

    def initial(self, obj: Model) -> dict[str, Any]:
        return {}

    def base_context(self, **extra: Any) -> dict[str, Any]:
        context = super().base_context(**extra)
        stocktake: Stocktake = self.get_object()  # type: ignore[assignment]
        context["object"] = stocktake
        context["uncounted"] = self.uncounted()
        return _titled(context, _("Submit stocktake %(number)s") % {"number": stocktake.number})

    def perform(self, form: forms.Form) -> Stocktake:
        return services.stocktake_submit(
            actor=self.request.user,  # type: ignore[arg-type]
            stocktake=self.get_object().pk,
            uncounted_as_zero=bool(form.cleaned_data.get("uncounted_as_zero")),
        )

    def success_url(self, result: Stocktake) -> str:
        return _detail_url(result)


class StocktakeApproveView(PermissionRequiredView):
    """The differences with their gain or loss value; the approve button only for someone with
    the approval permission who did not count."""

    permissions = (VIEW,)
    breadcrumbs = (STOCKTAKES,)
    template_name = "inventory/stocktake_approve.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        stocktake: Stocktake = get_or_404(selectors.stocktake_get_for, request.user, pk)  # type: ignore[assignment]
        return self.render_page(stocktake, StocktakeApproveForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(APPROVE):
            raise DjangoPermissionDenied
        stocktake: Stocktake = get_or_404(selectors.stocktake_get_for, request.user, pk)  # type: ignore[assignment]
        form = StocktakeApproveForm(request.POST)
        if form.is_valid():
            try:
                services.stocktake_approve(
                    actor=request.user,  # type: ignore[arg-type]
                    stocktake=stocktake.pk,
                    posted_at=form.cleaned_data["posted_at"],
                )
            except services.SelfApproval as exc:
                form.add_error(None, exc.message)
            except errors.PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except errors.NotFound as exc:
                raise Http404(exc.message) from exc
            except errors.DomainError as exc:
                form.add_error("posted_at" if exc.field == "posted_at" else None, exc.message)
            else:
                messages.success(request, _("The stocktake was approved and its differences posted."))
                return HttpResponseRedirect(_detail_url(stocktake))
        return self.render_page(stocktake, form, status=422)

    def render_page(self, stocktake: Stocktake, form: forms.Form, status: int = 200) -> HttpResponse:
        user = self.request.user
        lines = list(selectors.stocktake_lines(stocktake))
        rows = [line_row(line) for line in lines]
        differences = [row for row in rows if row["difference"]]
        submitted = stocktake.status == StocktakeStatus.SUBMITTED
        is_counter = stocktake.submitted_by_id == user.pk
        context = self.base_context(
            object=stocktake,
            rows=differences,
            unchanged=len(rows) - len(differences),
            summary=selectors.stocktake_summary(lines),
            form=form,
            submitted=submitted,
            is_counter=is_counter,
            may_approve=user.has_perm(APPROVE),
            can_approve=submitted and not is_counter and user.has_perm(APPROVE),
            detail_url=_detail_url(stocktake),
        )
        _titled(context, _("Approve stocktake %(number)s") % {"number": stocktake.number})
        return render(self.request, self.template_name, context, status=status)


class StocktakeCancelView(ObjectDeleteView):
    permissions = (VIEW, ADD)
    title = gettext_lazy("Cancel stocktake")
    breadcrumbs = (STOCKTAKES,)
    getter = selectors.stocktake_get_for
    submit_label = gettext_lazy("Cancel the stocktake")
    confirm_text = gettext_lazy(
        "The counts are kept for the record but nothing is posted; the warehouse can be counted "
        "again in a new stocktake. Cancel this stocktake?"
    )
    success_message = gettext_lazy("The stocktake was cancelled.")

    def perform(self, form: forms.Form) -> Stocktake:
        return services.stocktake_cancel(actor=self.request.user, stocktake=self.get_object().pk)  # type: ignore[arg-type]

    def success_url(self, result: Stocktake) -> str:
        return _detail_url(result)
