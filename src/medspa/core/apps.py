from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "medspa.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from medspa.core import menu

        menu.register(
            menu.MenuItem(key="home", label=_("Home"), url_name="core:home", icon="ti-home", order=0)
        )
        menu.register(
            menu.MenuItem(
                key="api-docs",
                label=_("API documentation"),
                url_name="api-1.0.0:openapi-view",
                icon="ti-api",
                order=900,
                group=_("Tools"),
            )
        )
