"""Demo catalog and marketing data, created through the services of each family (each its own
durable transaction, so this runs outside the seed's atomic block). Idempotent: every family
skips rows whose code exists."""

from __future__ import annotations

from medspa.accounts.models import User
from medspa.organization.models import Branch, Organisation


def seed(*, organisation: Organisation, branches: list[Branch]) -> None:
    """Projects first, then products and packages, then cards, coupons, promotions and the
    discount and commission settings that refer to them. The director maintains the catalog and
    the settings; the marketing login creates the marketing rows."""
    from medspa.catalog import (
        card_demo,
        coupon_demo,
        policy_demo,
        product_demo,
        project_demo,
        promotion_demo,
    )

    director = User.objects.filter(username="director", organisation=organisation).first()
    marketing = User.objects.filter(username="marketing", organisation=organisation).first()
    if director is None or marketing is None:
        return
    branch = branches[0]
    project_demo.seed_demo(actor=director, organisation=organisation, branch=branch)
    product_demo.seed_demo(actor=director, organisation=organisation, branch=branch)
    card_demo.seed_demo(actor=marketing, organisation=organisation, branch=branch)
    coupon_demo.seed_demo(actor=marketing, organisation=organisation, branch=branch)
    promotion_demo.seed_demo(actor=marketing, organisation=organisation, branch=branch)
    policy_demo.seed_demo(actor=director, organisation=organisation, branch=branch)
