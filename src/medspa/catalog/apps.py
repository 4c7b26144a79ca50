from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "medspa.catalog"
    label = "catalog"
    verbose_name = _("Catalog and marketing")

    def ready(self) -> None:
        from medspa.catalog import menu

        menu.register_menu()
