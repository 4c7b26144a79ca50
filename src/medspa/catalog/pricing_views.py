"""The price preview page (价格试算) — ORD-04: choose a customer (or a member level and new or
returning), build a basket, give line or order discounts and coupons, and see every line priced
with each discount explained and whether approval is needed. htmx posts the form on every change
and swaps in the result; the page calls the same selector as ``POST /api/v1/pricing/quote``.

Small htmx endpoints of the page: the item search (what a line may hold), one line row, and the
chosen customer with her coupons (the customer search itself is the customers app's
autocomplete in its "pick" mode)."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from medspa.accounts.scope import active_branch_id
from medspa.catalog import pricing_selectors as selectors
from medspa.catalog.pricing import Quote
from medspa.catalog.pricing_forms import (
    AMOUNT,
    DISCOUNT_MODES,
    MAX_ID,
    MODE_CUSTOMER,
    MODE_LEVEL,
    PERCENT,
    PreviewError,
    PreviewForm,
    parse_lines,
)
from medspa.core import errors, menu
from medspa.core.htmx import template_for, wants_partial
from medspa.core.views.generic import PermissionRequiredView
from medspa.customers.selectors import customer_get_for

PERMISSION = "catalog.preview_price"
VIEW_CUSTOMER = "customers.view_customer"
TEMPLATE = "catalog/pricing/preview.html"
LINE_HELP = gettext_lazy(
    "Line discount: “Discount %” is the share of the price the line pays (85 means 85 %); “Off ¥” is an "
    "amount taken off the line."
)
KIND_LABELS = {
    "project": gettext_lazy("Project"),
    "product": gettext_lazy("Product"),
    "package": gettext_lazy("Package"),
    "card_type": gettext_lazy("Card type"),
}


def register_menu() -> None:
    menu.register(
        menu.MenuItem(
            key="catalog_pricing_preview",
            label=gettext_lazy("Price preview"),
            url_name="catalog_pricing:preview",
            icon="ti-calculator",
            order=340,
            group=gettext_lazy("Catalog"),
            permissions=(PERMISSION,),
        )
    )


def _row(
    sellable: selectors.Sellable, quantity: str = "1", mode: str = PERCENT, value: str = ""
) -> dict[str, Any]:
    return {
        "token": secrets.token_hex(4),
        "sellable": sellable,
        "kind_label": KIND_LABELS.get(sellable.kind, sellable.kind),
        "quantity": quantity,
        "mode": mode if mode in (PERCENT, AMOUNT) else PERCENT,
        "modes": DISCOUNT_MODES,
        "value": value,
    }


def _int(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


class PricePreviewView(PermissionRequiredView):
    """GET: the empty page. POST (htmx): the result for the posted form; without htmx the whole
    page with the posted basket and its result."""

    permissions = (PERMISSION,)
    title = gettext_lazy("Price preview")

    def get(self, request: HttpRequest) -> HttpResponse:
        can_pick = request.user.has_perm(VIEW_CUSTOMER)
        form = PreviewForm(
            actor=request.user,
            initial={
                "mode": MODE_CUSTOMER if can_pick else MODE_LEVEL,
                "branch": active_branch_id(request.user),
            },
        )
        return render(request, TEMPLATE, self._context(form, rows=[], result={"empty": True}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PreviewForm(request.POST, actor=request.user)
        result = self._result(form)
        if wants_partial(request):
            return render(request, template_for(request, TEMPLATE, "result"), {"result": result})
        return render(request, TEMPLATE, self._context(form, rows=self._posted_rows(), result=result))

    def _result(self, form: PreviewForm) -> dict[str, Any]:
        """``{"quote": …}``, ``{"error": message}`` or ``{"empty": True}``."""
        if not form.is_valid():
            field, messages = next(iter(form.errors.items()))
            label = form.fields[field].label if field in form.fields else ""
            return {"error": f"{label}: {messages[0]}" if label else str(messages[0])}
        try:
            lines = parse_lines(self.request.POST)
            if not lines:
                return {"empty": True}
            if form.cleaned_data.get("mode") == MODE_CUSTOMER and not form.cleaned_data.get("customer"):
                return {"empty": True, "choose_customer": True}
            quote = selectors.quote_for(self.request.user, lines=lines, **form.selector_values())  # type: ignore[arg-type]
        except PreviewError as exc:
            return {"error": exc.message, "field": exc.field}
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except errors.DomainError as exc:
            return {"error": exc.message, "field": exc.field}
        return {"quote": quote, "skipped": _skipped(quote)}

    def _posted_rows(self) -> list[dict[str, Any]]:
        data = self.request.POST
        kinds, ids = data.getlist("line_kind"), data.getlist("line_id")
        pairs = [(kind, _int(pk)) for kind, pk in zip(kinds, ids, strict=False)]
        found = selectors.sellables_get(self.request.user, [(k, pk) for k, pk in pairs if pk is not None])  # type: ignore[arg-type]
        quantities, modes, values = (
            data.getlist("line_quantity"),
            data.getlist("line_mode"),
            data.getlist("line_value"),
        )
        rows = []
        for index, (kind, pk) in enumerate(pairs):
            sellable = found.get((kind, pk)) if pk is not None else None
            if sellable is not None:
                rows.append(
                    _row(
                        sellable,
                        quantity=quantities[index] if index < len(quantities) else "1",
                        mode=modes[index] if index < len(modes) else PERCENT,
                        value=values[index] if index < len(values) else "",
                    )
                )
        return rows

    def _context(
        self, form: PreviewForm, *, rows: list[dict[str, Any]], result: dict[str, Any]
    ) -> dict[str, Any]:
        customer_panel = None
        customer_id = _int(str(form.data.get("customer", ""))) if form.is_bound else None
        if customer_id is not None and self.request.user.has_perm(VIEW_CUSTOMER):
            try:
                customer_panel = _customer_panel(
                    self.request.user, customer_id, ticked=set(form.coupon_ids())
                )
            except (errors.NotFound, PreviewError):
                customer_panel = None
        mode = form["mode"].value() or MODE_LEVEL
        return self.base_context(
            form=form,
            mode=mode,
            rows=rows,
            result=result,
            can_pick_customer=self.request.user.has_perm(VIEW_CUSTOMER),
            discount_modes=DISCOUNT_MODES,
            line_help=LINE_HELP,
            customer_panel=customer_panel,
        )


def _skipped(quote: Quote) -> list[dict[str, str]]:
    return [
        {"name": quote.promotion_names.get(pk, str(pk)), "reason": reason}
        for pk, reason in quote.skipped.items()
    ]


def _customer_panel(actor: Any, customer_id: int, *, ticked: set[int] | None = None) -> dict[str, Any]:
    customer = customer_get_for(actor, customer_id)
    coupons = selectors.customer_coupons_for(actor, customer.pk, timezone.localdate())
    return {
        "customer": customer,
        "is_new": selectors.is_new_customer(customer, timezone.now()),
        "coupons": coupons,
        "ticked": ticked or set(),
    }


class ItemLookupView(PermissionRequiredView):
    """GET ``q``: projects, products, packages and card types matching it, as buttons that add
    a line row."""

    permissions = (PERMISSION,)

    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.get("q", "")[:100].strip()
        found = selectors.sellables_search(request.user, query) if query else []  # type: ignore[arg-type]
        items = [{"sellable": s, "kind_label": KIND_LABELS.get(s.kind, s.kind)} for s in found]
        return render(request, "catalog/pricing/_item_results.html", {"items": items, "query": query})


class LineRowView(PermissionRequiredView):
    """GET ``kind`` and ``id``: a new line row for that item; the page re-prices after it settles."""

    permissions = (PERMISSION,)

    def get(self, request: HttpRequest) -> HttpResponse:
        pk = _int(request.GET.get("id"))
        if pk is None:
            raise Http404
        try:
            sellable = selectors.sellable_get(request.user, request.GET.get("kind", ""), pk)  # type: ignore[arg-type]
        except errors.NotFound as exc:
            raise Http404 from exc
        response = render(request, "catalog/pricing/_line_row.html", {"row": _row(sellable)})
        response["HX-Trigger-After-Settle"] = "pricing-refresh"
        return response


class CustomerPickView(PermissionRequiredView):
    """GET ``customer``: the chosen customer (level, new or returning) and her coupons to tick;
    the page re-prices after it settles. A customer outside the actor's scope is not found."""

    permissions = (PERMISSION, VIEW_CUSTOMER)

    def get(self, request: HttpRequest) -> HttpResponse:
        customer_id = _int(request.GET.get("customer"))
        if customer_id is None:
            raise Http404
        try:
            panel = _customer_panel(request.user, customer_id)
        except errors.NotFound as exc:
            raise Http404 from exc
        response = render(request, "catalog/pricing/_customer.html", {"panel": panel})
        response["HX-Trigger-After-Settle"] = "pricing-refresh"
        return response
