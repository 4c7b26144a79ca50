"""Default customer permissions of the built-in roles (frozen; see accounts.role_grants)."""

from django.db import migrations

from medspa.accounts.role_grants import grant, revoke

GRANTS = {
    "system_admin": (
        "customers.view_customfield",
        "customers.add_customfield",
        "customers.change_customfield",
        "customers.delete_customfield",
        "customers.view_memberlevel",
        "customers.add_memberlevel",
        "customers.change_memberlevel",
        "customers.delete_memberlevel",
        "customers.export_memberlevel",
    ),
    "director": (
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.export_customer",
        "customers.view_full_contact",
        "customers.bulk_change_customer",
        "customers.merge_customer",
        "customers.import_customer",
        "customers.view_consultation",
        "customers.view_complaint",
        "customers.change_complaint",
        "customers.view_customerfile",
        "customers.view_memberlevel",
        "customers.view_customfield",
    ),
    "consultant": (
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_consultation",
        "customers.add_consultation",
        "customers.change_consultation",
        "customers.view_complaint",
        "customers.add_complaint",
        "customers.view_customerfile",
        "customers.add_customerfile",
        "customers.view_memberlevel",
        "customers.view_customfield",
    ),
    "doctor": (
        "customers.view_customer",
        "customers.view_consultation",
        "customers.view_customerfile",
        "customers.add_customerfile",
        "customers.view_memberlevel",
        "customers.view_customfield",
    ),
    "nurse": (
        "customers.view_customer",
        "customers.view_customerfile",
        "customers.add_customerfile",
        "customers.view_customfield",
    ),
    "triage": (
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_consultation",
        "customers.view_complaint",
        "customers.add_complaint",
        "customers.view_memberlevel",
        "customers.view_customfield",
    ),
    "cashier": (
        "customers.view_customer",
        "customers.view_memberlevel",
        "customers.view_customfield",
    ),
    "service": (
        "customers.view_customer",
        "customers.change_customer",
        "customers.view_consultation",
        "customers.view_complaint",
        "customers.add_complaint",
        "customers.change_complaint",
        "customers.view_memberlevel",
        "customers.view_customfield",
    ),
    "marketing": (
        "customers.view_customer",
        "customers.change_customer",
        "customers.export_customer",
        "customers.bulk_change_customer",
        "customers.view_memberlevel",
        "customers.add_memberlevel",
        "customers.change_memberlevel",
        "customers.delete_memberlevel",
        "customers.export_memberlevel",
        "customers.view_customfield",
    ),
    "finance": (
        "customers.view_customer",
        "customers.view_memberlevel",
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_customers"),
        ("accounts", "0004_builtin_role_defaults"),
    ]

    operations = [migrations.RunPython(grant(GRANTS), revoke(GRANTS))]
