"""The catalog (项目与产品) and marketing (营销) menu groups; registered once from
``CatalogConfig.ready``. Menu orders: catalog 300–349, marketing 400–449."""

from __future__ import annotations


def register_menu() -> None:
    """Every catalog and marketing page, each family registering its own entries."""
    from medspa.catalog import (
        card_views,
        coupon_views,
        policy_views,
        pricing_views,
        product_views,
        project_views,
        promotion_views,
    )

    for module in (
        project_views,
        product_views,
        card_views,
        coupon_views,
        promotion_views,
        policy_views,
        pricing_views,
    ):
        module.register_menu()
