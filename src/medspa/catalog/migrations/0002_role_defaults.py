"""Default catalog and marketing permissions of the built-in roles (frozen; see accounts.role_grants).

The director maintains the catalog and the discount and commission settings; marketing runs cards,
coupons and promotions; consultants and cashiers read the catalog, preview prices and (cashier)
redeem coupons; finance reads everything incl. commission plans."""

from django.db import migrations

from medspa.accounts.role_grants import grant, revoke


def _c(*codenames):
    return tuple(f"catalog.{c}" for c in codenames)


VIEW_CATALOG = _c("view_category", "view_project", "view_product", "view_package")
VIEW_MARKETING = _c("view_cardtype", "view_coupontype", "view_promotion")

GRANTS = {
    "director": VIEW_CATALOG
    + VIEW_MARKETING
    + _c(
        "add_category",
        "change_category",
        "add_project",
        "change_project",
        "export_project",
        "preview_price",
        "view_projectarticle",
        "add_projectarticle",
        "change_projectarticle",
        "view_projectcase",
        "add_projectcase",
        "change_projectcase",
        "add_product",
        "change_product",
        "delete_product",
        "export_product",
        "add_package",
        "change_package",
        "delete_package",
        "export_package",
        "view_coupon",
        "export_coupon",
        "export_coupontype",
        "view_discountrule",
        "add_discountrule",
        "change_discountrule",
        "delete_discountrule",
        "export_discountrule",
        "view_discountauthority",
        "add_discountauthority",
        "change_discountauthority",
        "delete_discountauthority",
        "export_discountauthority",
        "view_commissionplan",
        "add_commissionplan",
        "change_commissionplan",
        "delete_commissionplan",
        "export_commissionplan",
    ),
    "marketing": VIEW_CATALOG
    + VIEW_MARKETING
    + _c(
        "add_cardtype",
        "change_cardtype",
        "delete_cardtype",
        "export_cardtype",
        "add_coupontype",
        "change_coupontype",
        "delete_coupontype",
        "export_coupontype",
        "view_coupon",
        "change_coupon",
        "issue_coupon",
        "void_coupon",
        "export_coupon",
        "add_promotion",
        "change_promotion",
        "delete_promotion",
        "export_promotion",
        "preview_price",
    ),
    "consultant": VIEW_CATALOG + VIEW_MARKETING + _c("view_coupon", "issue_coupon", "preview_price"),
    "cashier": VIEW_CATALOG
    + VIEW_MARKETING
    + _c("view_coupon", "change_coupon", "redeem_coupon", "preview_price"),
    "triage": _c("view_project", "view_package"),
    "service": _c("view_project", "view_package", "view_coupon", "issue_coupon"),
    "doctor": _c("view_project", "view_product"),
    "nurse": _c("view_project", "view_product"),
    "storekeeper": _c("view_project", "view_product"),
    "finance": VIEW_CATALOG
    + VIEW_MARKETING
    + _c("view_coupon", "view_discountrule", "view_commissionplan", "export_commissionplan"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_catalog_core"),
        ("accounts", "0004_builtin_role_defaults"),
    ]

    operations = [migrations.RunPython(grant(GRANTS), revoke(GRANTS))]
