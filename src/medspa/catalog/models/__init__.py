"""Catalog and marketing models (CAT-01…07, MKT-01…03): what the clinic sells and the rules that
price it. One module per area; everything is importable from ``medspa.catalog.models``."""

from medspa.catalog.models.card import CardType, CardTypeDiscount, CardTypeItem
from medspa.catalog.models.category import Category
from medspa.catalog.models.coupon import Coupon, CouponBatch, CouponEvent, CouponType
from medspa.catalog.models.policy import CommissionPlan, DiscountAuthority, DiscountRule
from medspa.catalog.models.product import Package, PackageComponent, Product
from medspa.catalog.models.project import (
    Project,
    ProjectArticle,
    ProjectCase,
    ProjectLevelPrice,
    ProjectMaterial,
    ProjectOperatorFee,
    ProjectResource,
)
from medspa.catalog.models.promotion import Promotion, PromotionTarget

__all__ = [
    "CardType",
    "CardTypeDiscount",
    "CardTypeItem",
    "Category",
    "CommissionPlan",
    "Coupon",
    "CouponBatch",
    "CouponEvent",
    "CouponType",
    "DiscountAuthority",
    "DiscountRule",
    "Package",
    "PackageComponent",
    "Product",
    "Project",
    "ProjectArticle",
    "ProjectCase",
    "ProjectLevelPrice",
    "ProjectMaterial",
    "ProjectOperatorFee",
    "ProjectResource",
    "Promotion",
    "PromotionTarget",
]
