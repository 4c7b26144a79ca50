"""Choices of the catalog and marketing app, with translated labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceKind(models.TextChoices):
    """A kind of resource a booking of a project needs (CAT-01)."""

    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    CONSULTANT = "consultant", _("Consultant")
    ROOM = "room", _("Room")
    DEVICE = "device", _("Device")


class ComponentKind(models.TextChoices):
    """What a package component is."""

    PROJECT = "project", _("Project")
    PRODUCT = "product", _("Product")


class CardKind(models.TextChoices):
    """Card types (卡项) — MKT-01."""

    SESSION = "session", _("Session card")
    COMBINATION = "combination", _("Combination card")
    CHOICE = "choice", _("N-choose-M card")
    STORED_VALUE = "stored_value", _("Stored-value card")


class ValidityMode(models.TextChoices):
    """How long something sold stays usable."""

    NONE = "none", _("No expiry")
    DAYS = "days", _("Days from purchase")
    FIXED = "fixed", _("Until a fixed date")


class CouponKind(models.TextChoices):
    """Coupon types (券) — MKT-02."""

    VOUCHER = "voucher", _("Voucher")
    DISCOUNT = "discount", _("Discount coupon")
    FRIENDS = "friends", _("Friends-and-family coupon")
    STAFF = "staff", _("Staff coupon")


class CouponState(models.TextChoices):
    """The state of one issued coupon."""

    ISSUED = "issued", _("Issued")
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")
    VOID = "void", _("Void")


class CouponAction(models.TextChoices):
    """One entry of a coupon's history."""

    ISSUE = "issue", _("Issued")
    CLAIM = "claim", _("Claimed")
    TRANSFER = "transfer", _("Handed on")
    REDEEM = "redeem", _("Redeemed")
    UNREDEEM = "unredeem", _("Redemption reversed")
    EXPIRE = "expire", _("Expired")
    VOID = "void", _("Voided")


class PromotionKind(models.TextChoices):
    """Promotion kinds (促销) — MKT-03: package-type and rule-type."""

    BUNDLE = "bundle", _("Bundle at a special price")
    SPEND_SAVE = "spend_save", _("Spend X save Y")
    CATEGORY_PERCENT = "category_percent", _("Percent off")
    BUY_GET = "buy_get", _("Buy X get Y free")


class TargetRole(models.TextChoices):
    """What a promotion target is for."""

    SCOPE = "scope", _("Applies to")
    BUY = "buy", _("Buy")
    GET = "get", _("Get free")
    BUNDLE = "bundle", _("Bundle component")


class CommissionKind(models.TextChoices):
    """Commission kinds (提成) — CAT-07."""

    SALES = "sales", _("Sales commission")
    OPERATOR = "operator", _("Operator commission")
    CARD = "card", _("Member-card commission")
    PREPAYMENT = "prepayment", _("Prepayment commission")


class CommissionBasis(models.TextChoices):
    """What a commission is computed from."""

    CASH = "cash", _("Percent of cash performance")
    CONSUMPTION = "consumption", _("Percent of consumption performance")
    PER_SESSION = "per_session", _("Fixed amount per session")
