"""The inventory menu group (库房); registered once from ``InventoryConfig.ready``."""

from __future__ import annotations


def register_menu() -> None:
    """Every inventory page, in the Inventory (库房) group of the left menu."""
    from medspa.inventory import close_views, document_views, master_views, stock_views, stocktake_views

    master_views.register_menu()

    stock_views.register_menu()
    stocktake_views.register_menu()
    close_views.register_menu()
    document_views.register_menu()
