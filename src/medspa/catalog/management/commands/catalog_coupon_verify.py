"""``medspa manage catalog_coupon_verify [--coupon ID ...]`` — MKT-02: prove that every issued
coupon's state, holder and giver equal the replay of its append-only history (``CouponEvent``).

Prints ``OK: N coupons match their history (M events)`` and exits 0, or prints one line per problem
and exits 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from medspa.catalog.coupon_services import coupon_verify


class Command(BaseCommand):
    help = "Prove that every coupon's state and holder equal the replay of its events."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--coupon", type=int, action="append", dest="coupons", help="Only this coupon id."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problems, coupons, events = coupon_verify(coupon_ids=options.get("coupons"))
        if problems:
            for problem in problems:
                self.stdout.write(problem)
            raise CommandError(f"{len(problems)} problem(s) in {coupons} coupons")
        self.stdout.write(f"OK: {coupons} coupons match their history ({events} events)")
