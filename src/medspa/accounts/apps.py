from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "medspa.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from medspa.core import menu

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
