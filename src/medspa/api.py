"""The REST API root at /api/v1: mounts each app's router."""

from ninja import NinjaAPI

from medspa.accounts.api import router as accounts_router
from medspa.accounts.auth import api_auth
from medspa.accounts.security_api import router as security_router
from medspa.audit.api import router as audit_router
from medspa.catalog.card_api import router as catalog_card_router
from medspa.catalog.coupon_api import router as catalog_coupon_router
from medspa.catalog.policy_api import router as catalog_policy_router
from medspa.catalog.pricing_api import router as catalog_pricing_router
from medspa.catalog.product_api import router as catalog_product_router
from medspa.catalog.project_api import router as catalog_project_router
from medspa.catalog.promotion_api import router as catalog_promotion_router
from medspa.configuration.api import router as configuration_router
from medspa.core.api import install_error_handlers
from medspa.customers.api import router as customers_router
from medspa.customers.bulk_api import router as customer_bulk_router
from medspa.customers.import_api import router as customer_import_router
from medspa.customers.record_api import router as customer_records_router
from medspa.customers.setup_api import router as customer_setup_router
from medspa.inventory.close_api import router as inventory_close_router
from medspa.inventory.document_api import router as inventory_docs_router
from medspa.inventory.master_api import router as inventory_master_router
from medspa.inventory.stock_api import router as inventory_stock_router
from medspa.inventory.stocktake_api import router as inventory_stocktake_router
from medspa.organization.api import router as organization_router

api = NinjaAPI(
    title="medspa API",
    version="1.0.0",
    description="REST API of medspa. Authenticate with `POST /api/v1/auth/token` and send "
    "`Authorization: Bearer <token>`, or use the browser session. Lists return "
    "`{items, count}` and take `limit`/`offset`; errors are RFC 9457 problem JSON.",
    auth=api_auth,
    urls_namespace="api-1.0.0",
)
install_error_handlers(api)
api.add_router("", accounts_router)
api.add_router("", security_router)
api.add_router("", organization_router)
api.add_router("", audit_router)
api.add_router("", configuration_router)
api.add_router("", customer_bulk_router)  # before /customers/{id}: fixed paths first
api.add_router("", customers_router)
api.add_router("", customer_import_router)
api.add_router("", customer_setup_router)
api.add_router("", customer_records_router)
api.add_router("", inventory_stock_router)
api.add_router("", inventory_master_router)
api.add_router("", inventory_stocktake_router)
api.add_router("", inventory_close_router)
api.add_router("", inventory_docs_router)
api.add_router("", catalog_project_router)
api.add_router("", catalog_product_router)
api.add_router("", catalog_card_router)
api.add_router("", catalog_coupon_router)
api.add_router("", catalog_promotion_router)
api.add_router("", catalog_policy_router)
api.add_router("", catalog_pricing_router)
