"""Periodic jobs of the catalog app (django-crontask loads ``<app>.tasks``)."""

from medspa.catalog.coupon_tasks import expire_coupons  # noqa: F401
