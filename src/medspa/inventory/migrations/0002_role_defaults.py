"""Default inventory permissions of the built-in roles (frozen; see accounts.role_grants).

The storekeeper keeps the master data and posts documents in her branch; the nurse (department
scope) runs her department's secondary warehouse; the director approves; finance closes months
and may reopen them."""

from django.db import migrations

from medspa.accounts.role_grants import grant, revoke

GRANTS = {
    "director": (
        "inventory.view_warehouse",
        "inventory.view_item",
        "inventory.view_itemcategory",
        "inventory.view_company",
        "inventory.view_certificate",
        "inventory.view_lot",
        "inventory.view_stockbalance",
        "inventory.view_stockmove",
        "inventory.view_stockdocument",
        "inventory.view_stocktake",
        "inventory.view_monthclose",
        "inventory.view_stockalert",
        "inventory.approve_stockdocument",
        "inventory.approve_stocktake",
    ),
    "nurse": (
        "inventory.view_warehouse",
        "inventory.view_item",
        "inventory.view_lot",
        "inventory.view_stockbalance",
        "inventory.view_stockmove",
        "inventory.view_stockdocument",
        "inventory.add_stockdocument",
        "inventory.change_stockdocument",
        "inventory.post_stockdocument",
        "inventory.view_stocktake",
        "inventory.add_stocktake",
        "inventory.view_stockalert",
        "inventory.change_stockalert",
    ),
    "doctor": (
        "inventory.view_item",
        "inventory.view_lot",
        "inventory.view_stockbalance",
    ),
    "storekeeper": (
        "inventory.view_warehouse",
        "inventory.add_warehouse",
        "inventory.change_warehouse",
        "inventory.view_bin",
        "inventory.add_bin",
        "inventory.change_bin",
        "inventory.view_itemcategory",
        "inventory.add_itemcategory",
        "inventory.change_itemcategory",
        "inventory.view_company",
        "inventory.add_company",
        "inventory.change_company",
        "inventory.view_certificate",
        "inventory.add_certificate",
        "inventory.change_certificate",
        "inventory.view_item",
        "inventory.add_item",
        "inventory.change_item",
        "inventory.view_packunit",
        "inventory.add_packunit",
        "inventory.change_packunit",
        "inventory.view_itembarcode",
        "inventory.add_itembarcode",
        "inventory.change_itembarcode",
        "inventory.view_stocklevel",
        "inventory.add_stocklevel",
        "inventory.change_stocklevel",
        "inventory.view_lot",
        "inventory.view_serial",
        "inventory.view_stockbalance",
        "inventory.view_stockmove",
        "inventory.view_stockdocument",
        "inventory.add_stockdocument",
        "inventory.change_stockdocument",
        "inventory.post_stockdocument",
        "inventory.view_stocktake",
        "inventory.add_stocktake",
        "inventory.change_stocktake",
        "inventory.approve_stocktake",
        "inventory.view_monthclose",
        "inventory.add_monthclose",
        "inventory.view_stockalert",
        "inventory.change_stockalert",
    ),
    "finance": (
        "inventory.view_warehouse",
        "inventory.view_item",
        "inventory.view_itemcategory",
        "inventory.view_company",
        "inventory.view_certificate",
        "inventory.view_lot",
        "inventory.view_stockbalance",
        "inventory.view_stockmove",
        "inventory.view_stockdocument",
        "inventory.view_stocktake",
        "inventory.view_monthclose",
        "inventory.view_stockalert",
        "inventory.add_monthclose",
        "inventory.reopen_monthclose",
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_inventory_core"),
        ("accounts", "0004_builtin_role_defaults"),
    ]

    operations = [migrations.RunPython(grant(GRANTS), revoke(GRANTS))]
