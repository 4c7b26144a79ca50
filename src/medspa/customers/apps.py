from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "medspa.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from medspa.core import menu
        from medspa.customers import archive, views

        menu.register(
            menu.MenuItem(
                key="customers-customers",
                label=_("Customers"),
                url_name="customers:customer_list",
                icon="ti-address-book",
                order=100,
                group=_("Customers"),
                permissions=("customers.view_customer",),
            )
        )
        menu.register(
            menu.MenuItem(
                key="customers-import",
                label=_("Import customers"),
                url_name="customer_import:list",
                icon="ti-file-import",
                order=140,
                group=_("Customers"),
                permissions=("customers.import_customer", "customers.add_customer"),
            )
        )
        for section in views.SECTIONS:
            archive.register(section)
        from medspa.customers import record_views, setup_views

        setup_views.register_menu()
        record_views.register_sections()
