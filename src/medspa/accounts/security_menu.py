"""Menu entries of the security pages (security policy; the password change is in the user menu)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from medspa.core import menu

    menu.register(
        menu.MenuItem(
            key="security-policy",
            label=_("Security policy"),
            url_name="accounts:security_policy",
            icon="ti-shield-lock",
            order=930,
            group=_("System"),
            permissions=("accounts.view_securitypolicy",),
        )
    )
