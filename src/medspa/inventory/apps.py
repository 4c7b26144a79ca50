from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "medspa.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from medspa.inventory import menu, params

        params.register_params()
        menu.register_menu()
