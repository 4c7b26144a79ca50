"""Data sets for ``medspa seed``. Each app contributes a ``demo`` function; running twice changes
nothing (every row is looked up by its natural key first)."""

from __future__ import annotations

from django.db import transaction

from medspa.accounts import demo as accounts_demo
from medspa.catalog import demo as catalog_demo
from medspa.configuration import defaults as configuration_defaults
from medspa.customers import demo as customers_demo
from medspa.inventory import demo as inventory_demo
from medspa.organization import demo as organization_demo


def run(dataset: str, *, password: str) -> list[tuple[str, str]]:
    """Load ``dataset``; returns the demo logins as (username, role). The platform and CRM data
    load in one transaction; the demo stock then goes through the inventory's document services,
    each its own (durable) transaction."""
    if dataset != "demo":
        raise ValueError(f"unknown data set {dataset!r}")
    with transaction.atomic():
        organisation, branches = organization_demo.seed()
        staff = organization_demo.seed_people(organisation, branches)
        configuration_defaults.seed_defaults(organisation)
        logins = accounts_demo.seed(
            organisation=organisation, branches=branches, staff=staff, password=password
        )
        customers_demo.seed(organisation=organisation, branches=branches, staff=staff)
    inventory_demo.seed(organisation=organisation, branches=branches)
    catalog_demo.seed(organisation=organisation, branches=branches)
    return logins
