from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigurationConfig(AppConfig):
    name = "medspa.configuration"
    label = "configuration"
    verbose_name = _("Configuration")

    def ready(self) -> None:
        from medspa.configuration import params
        from medspa.core import menu

        params.register_builtin()

        group = _("System")
        menu.register(
            menu.MenuItem(
                key="configuration-dictionaries",
                label=_("Dictionaries"),
                url_name="configuration:dictionary_kinds",
                icon="ti-list-details",
                order=830,
                group=group,
                permissions=("configuration.view_dictionaryitem",),
            )
        )
        menu.register(
            menu.MenuItem(
                key="configuration-parameters",
                label=_("System parameters"),
                url_name="configuration:parameter_list",
                icon="ti-adjustments",
                order=840,
                group=group,
                permissions=("configuration.view_parametervalue",),
            )
        )
        menu.register(
            menu.MenuItem(
                key="configuration-visit-stages",
                label=_("Visit flow"),
                url_name="configuration:visit_stage_list",
                icon="ti-route",
                order=850,
                group=group,
                permissions=("configuration.view_visitstage",),
            )
        )
