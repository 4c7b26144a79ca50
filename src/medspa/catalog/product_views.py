"""Pages of products (CAT-02) and packages (CAT-03): lists with filters and export, detail pages,
the product form (the units offered follow the chosen inventory item) and the package editor (a
repeating row per component), deactivation, and the menu entries."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from medspa.accounts.models import User
from medspa.catalog import product_selectors as selectors
from medspa.catalog import product_services as services
from medspa.catalog.models import Package
from medspa.catalog.product_filtersets import PackageFilterSet, ProductFilterSet
from medspa.catalog.product_forms import (
    ComponentForm,
    PackageForm,
    ProductForm,
    component_choices,
    component_tokens,
    unit_options,
)
from medspa.catalog.product_tables import PackageTable, ProductTable
from medspa.core import errors, menu
from medspa.core.money import format_cny
from medspa.core.views import generic
from medspa.core.views.generic import (
    ObjectCreateView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    PermissionRequiredView,
    get_or_404,
)
from medspa.inventory.models import Item

NS = "catalog_products"
PRODUCTS = (gettext_lazy("Products"), f"{NS}:product_list")
PACKAGES = (gettext_lazy("Packages"), f"{NS}:package_list")

VIEW_PRODUCT, ADD_PRODUCT, CHANGE_PRODUCT, DELETE_PRODUCT = (
    f"catalog.{action}_product" for action in ("view", "add", "change", "delete")
)
VIEW_PACKAGE, ADD_PACKAGE, CHANGE_PACKAGE, DELETE_PACKAGE = (
    f"catalog.{action}_package" for action in ("view", "add", "change", "delete")
)


def _actor(request: HttpRequest) -> User:
    """The logged-in user (the views' permission check has already turned anonymous users away)."""
    return cast(User, request.user)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


def _updated(obj: Any) -> str:
    return formats.date_format(timezone.localtime(obj.updated_at), "Y-m-d H:i")


def _percent(part: Decimal, whole: Decimal) -> str:
    """``89.5%`` — ``part`` as a share of ``whole`` (empty when ``whole`` is zero)."""
    if whole == 0:
        return ""
    return f"{(part * 100 / whole).quantize(Decimal('0.1')).normalize():f}%"


def register_menu() -> None:
    """The product and package entries of the Catalog menu group (orders 320–329)."""
    group = gettext_lazy("Catalog")
    for item in (
        menu.MenuItem(
            "catalog-products",
            gettext_lazy("Products"),
            f"{NS}:product_list",
            "ti-shopping-bag",
            320,
            group,
            (VIEW_PRODUCT,),
        ),
        menu.MenuItem(
            "catalog-packages",
            gettext_lazy("Packages"),
            f"{NS}:package_list",
            "ti-gift",
            322,
            group,
            (VIEW_PACKAGE,),
        ),
    ):
        menu.register(item)


class CatalogDetailView(ObjectDetailView):
    """A detail page with Edit and Deactivate buttons; ``rows`` built by ``detail_rows``."""

    model_name: ClassVar[str]

    def object_title(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"

    def detail_rows(self, obj: Any) -> list[dict[str, Any]]:
        return []

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        name = self.model_name
        return {
            "detail_rows": self.detail_rows(obj),
            "edit_url": reverse(f"{NS}:{name}_edit", args=[obj.pk])
            if user.has_perm(f"catalog.change_{name}")
            else None,
            "deactivate_url": reverse(f"{NS}:{name}_deactivate", args=[obj.pk])
            if obj.is_active and user.has_perm(f"catalog.delete_{name}")
            else None,
        }


class ToDetail(generic.ToDetail):
    namespace = NS


# --- products (CAT-02) --------------------------------------------------------------------------------


class ProductListView(ObjectListView):
    permissions = (VIEW_PRODUCT,)
    export_permissions = (VIEW_PRODUCT, "catalog.export_product")
    title = gettext_lazy("Products")
    selector = selectors.products_for
    filterset_class = ProductFilterSet
    table_class = ProductTable
    export_basename = "products"
    create_url_name = f"{NS}:product_create"
    create_permissions = (ADD_PRODUCT,)
    create_label = gettext_lazy("New product")
    empty_text = gettext_lazy("No products match.")


class ProductDetailView(CatalogDetailView):
    model_name = "product"
    permissions = (VIEW_PRODUCT,)
    breadcrumbs = (PRODUCTS,)
    getter = selectors.product_get_for
    template_name = "catalog/product/product_detail.html"

    def detail_rows(self, obj: Any) -> list[dict[str, Any]]:
        actor = _actor(self.request)
        item_url = None
        if actor.has_perm("inventory.view_item"):
            item_url = reverse("inventory_master:item_detail", args=[obj.item_id])
        unit = obj.pack_unit.name if obj.pack_unit else obj.item.base_unit
        return [
            {"label": _("Code"), "value": obj.code},
            {"label": _("Name"), "value": obj.name},
            {"label": _("Category"), "value": selectors.category_paths(actor).get(obj.category_id, "")},
            {
                "label": _("Inventory item"),
                "value": f"{obj.item.code} {obj.item.name} {obj.item.specification}".strip()
                + ("" if obj.item.is_active else f"（{_('inactive')}）"),
                "url": item_url,
                "testid": "item",
            },
            {"label": _("Sold per"), "value": selectors.product_unit_text(obj), "testid": "unit"},
            {
                "label": _("Retail price"),
                "value": f"{format_cny(obj.retail_price)} / {unit}",
                "testid": "retail-price",
            },
            {"label": _("Prescription only"), "value": _text(obj.is_prescription)},
            {"label": _("Description"), "value": obj.description},
            {"label": _("Active"), "value": _text(obj.is_active)},
            {"label": _("Updated at"), "value": _updated(obj)},
        ]


def _product_arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": data["code"],
        "name": data["name"],
        "category_id": data["category"].pk if data["category"] else None,
        "item_id": data["item"].pk if data["item"] else None,
        "pack_unit_id": data["pack_unit"],
        "retail_price": data["retail_price"],
        "is_prescription": data["is_prescription"],
        "description": data["description"],
    }


class ProductCreateView(ToDetail, ObjectCreateView):
    model_name = "product"
    permissions = (VIEW_PRODUCT, ADD_PRODUCT)
    title = gettext_lazy("New product")
    breadcrumbs = (PRODUCTS,)
    form_class = ProductForm
    success_message = gettext_lazy("The product was created.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request)}

    def perform(self, form: forms.Form) -> Any:
        return services.product_create(actor=_actor(self.request), **_product_arguments(form.cleaned_data))


class ProductEditView(ToDetail, ObjectEditView):
    model_name = "product"
    permissions = (VIEW_PRODUCT, CHANGE_PRODUCT)
    title = gettext_lazy("Edit product")
    breadcrumbs = (PRODUCTS,)
    getter = selectors.product_get_for
    form_class = ProductForm
    success_message = gettext_lazy("The product was saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": _actor(self.request), "editing": self.get_object()}

    def initial(self, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "name": obj.name,
            "category": obj.category_id,
            "item": obj.item_id,
            "pack_unit": obj.pack_unit_id or "",
            "retail_price": obj.retail_price,
            "is_prescription": obj.is_prescription,
            "description": obj.description,
            "is_active": obj.is_active,
        }

    def perform(self, form: forms.Form) -> Any:
        data = form.cleaned_data
        return services.product_update(
            actor=_actor(self.request),
            product_id=self.get_object().pk,
            is_active=data["is_active"],
            **_product_arguments(data),
        )


class ProductDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "product"
    permissions = (VIEW_PRODUCT, DELETE_PRODUCT)
    title = gettext_lazy("Deactivate product")
    breadcrumbs = (PRODUCTS,)
    getter = selectors.product_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "A deactivated product can no longer be sold or put in a package; what was sold stays. Deactivate it?"
    )
    success_message = gettext_lazy("The product was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.product_deactivate(actor=_actor(self.request), product_id=self.get_object().pk)


class UnitOptionsView(PermissionRequiredView):
    """GET ``item``: the ``<option>``s of the units that item can be sold in (the product form
    swaps them into its unit select when the item changes)."""

    permissions = (VIEW_PRODUCT,)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not (user.has_perm(ADD_PRODUCT) or user.has_perm(CHANGE_PRODUCT)):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        raw = request.GET.get("item", "")
        organisation_id = _actor(request).organisation_id
        item = None
        if raw.isdigit() and len(raw) < 19 and organisation_id is not None:
            item = Item.objects.filter(organisation_id=organisation_id, pk=int(raw)).first()
        return render(request, "catalog/product/unit_options.html", {"options": unit_options(item)})


# --- packages (CAT-03) --------------------------------------------------------------------------------


class PackageListView(ObjectListView):
    permissions = (VIEW_PACKAGE,)
    export_permissions = (VIEW_PACKAGE, "catalog.export_package")
    title = gettext_lazy("Packages")
    selector = selectors.packages_for
    filterset_class = PackageFilterSet
    table_class = PackageTable
    export_basename = "packages"
    create_url_name = f"{NS}:package_create"
    create_permissions = (ADD_PACKAGE,)
    create_label = gettext_lazy("New package")
    empty_text = gettext_lazy("No packages match.")


def _quantity_text(component: Any) -> str:
    """``3 次`` for sessions of a project, ``1 盒`` for units of a product."""
    if component.project_id is not None:
        unit = pgettext("catalog", "sessions")
    else:
        product = component.product
        unit = product.pack_unit.name if product.pack_unit else product.item.base_unit
    return f"{component.quantity} {unit}"


def price_above_list_message(package: Any) -> str | None:
    """The warning shown when the package costs more than its components at list price."""
    if package.price <= package.list_value:
        return None
    return _(
        "The package price %(price)s is above the components' list value %(value)s: customers pay "
        "%(extra)s more than buying them separately."
    ) % {
        "price": format_cny(package.price),
        "value": format_cny(package.list_value),
        "extra": format_cny(package.price - package.list_value),
    }


class PackageDetailView(CatalogDetailView):
    model_name = "package"
    permissions = (VIEW_PACKAGE,)
    breadcrumbs = (PACKAGES,)
    getter = selectors.package_get_for
    template_name = "catalog/product/package_detail.html"

    def detail_rows(self, obj: Any) -> list[dict[str, Any]]:
        actor = _actor(self.request)
        discount = obj.list_value - obj.price
        validity = (
            _("No expiry")
            if obj.validity_days is None
            else _("%(days)s days from purchase") % {"days": obj.validity_days}
        )
        return [
            {"label": _("Code"), "value": obj.code},
            {"label": _("Name"), "value": obj.name},
            {
                "label": _("Category"),
                "value": selectors.category_paths(actor).get(obj.category_id, "") if obj.category_id else "",
            },
            {"label": _("Package price"), "value": format_cny(obj.price), "testid": "price"},
            {"label": _("List value"), "value": format_cny(obj.list_value), "testid": "list-value"},
            {
                "label": _("Discount vs list"),
                "value": _("%(amount)s (pays %(percent)s of list)")
                % {"amount": format_cny(discount), "percent": _percent(obj.price, obj.list_value)},
                "testid": "discount",
            },
            {"label": _("Valid for"), "value": validity, "testid": "validity"},
            {"label": _("Description"), "value": obj.description},
            {"label": _("Active"), "value": _text(obj.is_active)},
            {"label": _("Updated at"), "value": _updated(obj)},
        ]

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context = super().extra_context(obj)
        user = self.request.user
        rows = []
        for view in selectors.component_views(obj.components.all()):
            component = view.component
            if component.project_id is not None:
                url = None  # the project family's page, when it lands, is linked from its list
                kind = _("Project")
            else:
                url = reverse(f"{NS}:product_detail", args=[component.product_id])
                kind = _("Product")
            rows.append(
                {
                    "kind": kind,
                    "code": view.code,
                    "name": view.name,
                    "url": url if user.has_perm(VIEW_PRODUCT) else None,
                    "quantity": _quantity_text(component),
                    "list_price": format_cny(component.list_price),
                    "list_value": format_cny(view.list_value),
                    "allocated": format_cny(component.allocated_amount),
                    "discount": format_cny(view.discount),
                    "share": _percent(component.allocated_amount, obj.price),
                }
            )
        context.update(
            components=rows,
            total_list_value=format_cny(obj.list_value),
            total_allocated=format_cny(sum((c.allocated_amount for c in obj.components.all()), Decimal(0))),
            total_discount=format_cny(obj.list_value - obj.price),
            price_warning=price_above_list_message(obj),
        )
        return context


class PackageEditorView(PermissionRequiredView):
    """The package editor: the package's fields and one row per component (a project or product
    and its quantity); rows are added with htmx (``component_row``) and removed in the page.
    POST saves through the service; a refusal is shown next to the row or field it names."""

    template_name = "catalog/product/package_form.html"
    editing: ClassVar[bool] = False

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.package: Package | None = None

    def get_package(self) -> Package:
        if self.package is None:
            self.package = cast(
                Package, get_or_404(selectors.package_get_for, self.request.user, self.kwargs["pk"])
            )
        return self.package

    def header(self, data: Any = None, initial: dict[str, Any] | None = None) -> PackageForm:
        editing = self.get_package() if self.editing else None
        return PackageForm(data=data, initial=initial, actor=self.request.user, editing=editing)

    def render_editor(
        self,
        form: PackageForm,
        rows: Sequence[tuple[str, Any, Any]],
        *,
        row_errors: dict[str, list[tuple[str | None, str]]] | None = None,
        general_errors: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        """``rows``: (token, POST data or None, initial values); ``row_errors``: per token, the
        service's refusals as (field or None for the row, message)."""
        keep = [
            str((data or {}).get(f"comp-{token}-target") or (initial or {}).get("target", ""))
            for token, data, initial in rows
        ]
        choices = component_choices(self.request.user, keep)
        drawn = []
        for token, data, initial in rows:
            component_form = ComponentForm(data, initial=initial, prefix=f"comp-{token}", choices=choices)
            general_row: list[str] = []
            if data is not None:
                component_form.is_valid()
            for field, message in (row_errors or {}).get(token, []):
                if field is None:
                    general_row.append(message)
                else:
                    component_form.add_error(field, message)
            drawn.append({"token": token, "form": component_form, "errors": general_row})
        if self.editing:
            package = self.get_package()
            title = _("Edit %(name)s") % {"name": f"{package.code} {package.name}"}
            cancel_url = reverse(f"{NS}:package_detail", args=[package.pk])
        else:
            title = str(_("New package"))
            cancel_url = reverse(f"{NS}:package_list")
        context = {
            "title": title,
            "breadcrumbs": [
                {"label": PACKAGES[0], "url": reverse(PACKAGES[1])},
                {"label": title, "url": None},
            ],
            "form": form,
            "rows": drawn,
            "general_errors": general_errors or [],
            "cancel_url": cancel_url,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.editing:
            return self.render_editor(self.header(), [(new_token(), None, {"quantity": 1})])
        package = self.get_package()
        initial = {
            "code": package.code,
            "name": package.name,
            "category": package.category_id,
            "price": package.price,
            "validity_days": package.validity_days,
            "description": package.description,
            "is_active": package.is_active,
        }
        rows = [
            (
                f"c{component.pk}",
                None,
                {
                    "target": f"{component.kind}:{component.project_id or component.product_id}",
                    "quantity": component.quantity,
                },
            )
            for component in package.components.all()
        ]
        return self.render_editor(self.header(initial=initial), rows)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.editing:
            self.get_package()
        data = request.POST
        tokens = component_tokens(data)
        form = self.header(data)
        component_forms = [(t, ComponentForm(data, prefix=f"comp-{t}", choices=[])) for t in tokens]
        valid = all([form.is_valid()] + [f.is_valid() for _t, f in component_forms])
        row_errors: dict[str, list[tuple[str | None, str]]] = {}
        general: list[str] = []
        if valid:
            try:
                package = self.save(form.cleaned_data, [f.component_values() for _t, f in component_forms])
            except errors.PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except errors.NotFound as exc:
                raise Http404 from exc
            except errors.DomainError as exc:
                _attach_error(exc, form, component_forms, row_errors, general)
            else:
                done = _("The package was saved.") if self.editing else _("The package was created.")
                messages.success(request, done)
                warning = price_above_list_message(selectors.package_get_for(_actor(request), package.pk))
                if warning:
                    messages.warning(request, warning)
                return HttpResponseRedirect(reverse(f"{NS}:package_detail", args=[package.pk]))
        else:
            general.append(_("Please correct the errors below."))
        # drawn again from what was posted: the row forms validate again for their field errors
        rows = [(t, data, None) for t in tokens]
        return self.render_editor(form, rows, row_errors=row_errors, general_errors=general, status=422)

    def save(self, data: dict[str, Any], components: list[dict[str, Any]]) -> Package:
        actor = _actor(self.request)
        arguments = {
            "code": data["code"],
            "name": data["name"],
            "price": data["price"],
            "category_id": data["category"].pk if data["category"] else None,
            "validity_days": data["validity_days"],
            "description": data["description"],
            "components": [services.ComponentInput(**values) for values in components],
        }
        if self.editing:
            return services.package_update(
                actor=actor, package_id=self.get_package().pk, is_active=data["is_active"], **arguments
            )
        return services.package_create(actor=actor, **arguments)


class PackageCreateView(PackageEditorView):
    permissions = (VIEW_PACKAGE, ADD_PACKAGE)


class PackageEditView(PackageEditorView):
    permissions = (VIEW_PACKAGE, CHANGE_PACKAGE)
    editing = True


def new_token() -> str:
    return secrets.token_hex(4)


def _attach_error(
    exc: errors.DomainError,
    form: PackageForm,
    rows: list[tuple[str, ComponentForm]],
    row_errors: dict[str, list[tuple[str | None, str]]],
    general: list[str],
) -> None:
    """Put a service refusal next to what it names: ``components.<n>.quantity`` → that row's
    quantity, ``components.<n>.*`` → its project or product, a package field → that field,
    anything else → above the form."""
    name = exc.field or ""
    parts = name.split(".")
    if parts[0] == "components" and len(parts) >= 2 and parts[1].isdigit():
        index = int(parts[1])
        if 0 <= index < len(rows):
            token = rows[index][0]
            field = "quantity" if parts[-1] == "quantity" else "target"
            row_errors.setdefault(token, []).append((field, exc.message))
            return
    if name in form.fields:
        form.add_error(name, exc.message)
        return
    general.append(exc.message)


class ComponentRowView(PermissionRequiredView):
    """GET: one empty component row for the editor."""

    permissions = (VIEW_PACKAGE,)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not (user.has_perm(ADD_PACKAGE) or user.has_perm(CHANGE_PACKAGE)):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        token = new_token()
        form = ComponentForm(
            initial={"quantity": 1}, prefix=f"comp-{token}", choices=component_choices(request.user, [])
        )
        return render(
            request,
            "catalog/product/package_component_row.html",
            {"row": {"token": token, "form": form, "errors": []}},
        )


class PackageDeactivateView(ToDetail, ObjectDeleteView):
    model_name = "package"
    permissions = (VIEW_PACKAGE, DELETE_PACKAGE)
    title = gettext_lazy("Deactivate package")
    breadcrumbs = (PACKAGES,)
    getter = selectors.package_get_for
    submit_label = gettext_lazy("Deactivate")
    confirm_text = gettext_lazy(
        "A deactivated package can no longer be sold; packages already sold keep their allocation. "
        "Deactivate it?"
    )
    success_message = gettext_lazy("The package was deactivated.")

    def perform(self, form: forms.Form) -> Any:
        return services.package_deactivate(actor=_actor(self.request), package_id=self.get_object().pk)
