"""System parameters of the inventory app (PLT-07): how far ahead the stock alerts look.

:func:`register_params` declares them (also ``inventory.approval_<document type>``: whether
documents of that type need approval before posting); it runs when this module is first imported (the stock
selectors and services import it, and the menu registration imports those from the app's
``ready()``), so :func:`medspa.configuration.params.param_value` always knows the keys. Calling
it again is harmless.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from medspa.configuration.params import ParamSpec, register

NEAR_EXPIRY_DAYS = "inventory.near_expiry_days"
CERTIFICATE_WARNING_DAYS = "inventory.certificate_warning_days"


def register_params() -> None:
    group = _("Inventory")
    register(
        ParamSpec(
            key=NEAR_EXPIRY_DAYS,
            label=_("Near expiry within (days)"),
            type="int",
            default=90,
            group=group,
            min_value=1,
            max_value=3650,
            help_text=_(
                "Stock whose lot expires within this many days is listed and alerted as near expiry."
            ),
        )
    )
    register(
        ParamSpec(
            key=CERTIFICATE_WARNING_DAYS,
            label=_("Certificate expiry warning (days)"),
            type="int",
            default=30,
            group=group,
            min_value=1,
            max_value=365,
            help_text=_(
                "A required supplier certificate that expires within this many days raises a daily alert."
            ),
        )
    )

    approvals = {
        "receipt": _("Purchase receipts need approval"),
        "other_inbound": _("Other inbound documents need approval"),
        "issue": _("Issues need approval"),
        "transfer": _("Transfers need approval"),
        "unpacking": _("Unpackings need approval"),
    }
    for doc_type, label in approvals.items():
        register(
            ParamSpec(
                key=f"inventory.approval_{doc_type}",
                label=label,
                type="bool",
                default=False,
                group=group,
                help_text=_("When on, a submitted document must be approved before it can be posted."),
            )
        )


register_params()
