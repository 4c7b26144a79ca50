from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "medspa.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from medspa.core import menu

        menu.register(
            menu.MenuItem(
                key="audit-log",
                label=_("Audit log"),
                url_name="audit:event_list",
                icon="ti-list-search",
                order=950,
                group=_("System"),
                permissions=("audit.view_auditevent",),
            )
        )
        try:
            from medspa.configuration.params import ParamSpec, register
        except ImportError:  # pragma: no cover - the configuration app is part of the platform
            return
        from medspa.audit.services import MIN_RETENTION_DAYS, RETENTION_PARAM

        register(
            ParamSpec(
                key=RETENTION_PARAM,
                label=_("Audit log retention (days)"),
                type="int",
                default=MIN_RETENTION_DAYS,
                group=_("Audit"),
                min_value=MIN_RETENTION_DAYS,
                help_text=_("Audit events younger than this are never purged (at least 180 days)."),
                permission="configuration.change_parametervalue",
            )
        )
