from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationConfig(AppConfig):
    name = "medspa.organization"
    label = "organization"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from medspa.core import menu

        group = _("Organisation")
        for order, (key, label, model, icon) in enumerate(
            (
                ("branches", _("Branches"), "branch", "ti-building-hospital"),
                ("departments", _("Departments"), "department", "ti-sitemap"),
                ("positions", _("Positions"), "position", "ti-id-badge"),
                ("staff", _("Staff"), "staff", "ti-users"),
            )
        ):
            menu.register(
                menu.MenuItem(
                    key=f"organization-{key}",
                    label=label,
                    url_name=f"organization:{model}_list",
                    icon=icon,
                    order=700 + order,
                    group=group,
                    permissions=(f"organization.view_{model}",),
                )
            )
