from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "medspa.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from medspa.accounts import security_menu
        from medspa.core import menu

        security_menu.register()
        menu.register(
            menu.MenuItem(
                key="accounts",
                label=_("Accounts"),
                url_name="accounts:user_list",
                icon="ti-users",
                order=810,
                group=_("System"),
                permissions=("accounts.view_user",),
            )
        )
        menu.register(
            menu.MenuItem(
                key="roles",
                label=_("Roles"),
                url_name="accounts:role_list",
                icon="ti-shield-lock",
                order=820,
                group=_("System"),
                permissions=("accounts.view_roleprofile",),
            )
        )

        menu.register(
            menu.MenuItem(
                key="api-tokens",
                label=_("API tokens"),
                url_name="accounts:token_list",
                icon="ti-key",
                order=910,
                group=_("Tools"),
                permissions=("accounts.view_apitoken",),
            )
        )
