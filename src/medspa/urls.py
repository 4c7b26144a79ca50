from django.urls import include, path, re_path

from medspa.api import api
from medspa.core.views import pages

urlpatterns = [
    path("", include("medspa.core.urls")),
    path("accounts/", include("medspa.accounts.urls")),
    path("organization/", include("medspa.organization.urls")),
    path("audit/", include("medspa.audit.urls")),
    path("configuration/", include("medspa.configuration.urls")),
    path("customers/", include("medspa.customers.bulk_urls")),
    path("customers/", include("medspa.customers.import_urls")),
    path("customers/", include("medspa.customers.urls")),
    path("customers/", include("medspa.customers.setup_urls")),
    path("customers/", include("medspa.customers.record_urls")),
    path("inventory/", include("medspa.inventory.stock_urls")),
    path("inventory/", include("medspa.inventory.master_urls")),
    path("inventory/", include("medspa.inventory.stocktake_urls")),
    path("inventory/", include("medspa.inventory.close_urls")),
    path("inventory/", include("medspa.inventory.document_urls")),
    path("catalog/", include("medspa.catalog.project_urls")),
    path("catalog/", include("medspa.catalog.product_urls")),
    path("catalog/", include("medspa.catalog.card_urls")),
    path("catalog/", include("medspa.catalog.coupon_urls")),
    path("catalog/", include("medspa.catalog.promotion_urls")),
    path("catalog/", include("medspa.catalog.policy_urls")),
    path("catalog/", include("medspa.catalog.pricing_urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/", pages.page_not_found),
    path("healthz", pages.healthz, name="healthz"),
]

handler400 = "medspa.core.views.pages.bad_request"
handler403 = "medspa.core.views.pages.permission_denied"
handler404 = "medspa.core.views.pages.page_not_found"
handler500 = "medspa.core.views.pages.server_error"
