"""Choices of the inventory app (INV-01…10), with translated labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WarehouseKind(models.TextChoices):
    CENTRAL = "central", _("Central warehouse")  # 中心库 / 一级库
    DEPARTMENT = "department", _("Department warehouse")  # 二级库（科室库）


class CategoryKind(models.TextChoices):
    """The top-level kind of an item category (the seed's 药品 / 低值耗材 / 高值耗材 / 商品 / 物料)."""

    DRUG = "drug", _("Drug")
    LOW_VALUE = "low_value", _("Low-value consumable")
    HIGH_VALUE = "high_value", _("High-value consumable")
    GOODS = "goods", _("Goods")
    MATERIAL = "material", _("Material")


class StorageCondition(models.TextChoices):
    ROOM = "room", _("Room temperature")  # 常温
    COOL = "cool", _("Cool (below 20 °C)")  # 阴凉
    COLD = "cold", _("Refrigerated (2–8 °C)")  # 冷藏
    FROZEN = "frozen", _("Frozen")  # 冷冻
    DARK = "dark", _("Dry, away from light")  # 避光干燥


class CertificateKind(models.TextChoices):
    """Qualification certificates (资质证照) of a supplier or manufacturer."""

    BUSINESS_LICENCE = "business_licence", _("Business licence")  # 营业执照
    DEVICE_OPERATION = "device_operation", _("Medical device operation licence")  # 医疗器械经营许可证
    DEVICE_PRODUCTION = "device_production", _("Medical device production licence")  # 医疗器械生产许可证
    DRUG_OPERATION = "drug_operation", _("Drug operation licence")  # 药品经营许可证
    REGISTRATION = "registration", _("Registration certificate")  # 注册证
    AUTHORISATION = "authorisation", _("Letter of authorisation")  # 授权书
    OTHER = "other", _("Other")


class DocumentType(models.TextChoices):
    """The stock documents posted through the one ledger (INV-04…08)."""

    RECEIPT = "receipt", _("Purchase receipt")  # 采购入库单
    OTHER_INBOUND = "other_inbound", _("Other inbound")  # 其他入库（赠品等）
    ISSUE = "issue", _("Issue")  # 出库单
    TRANSFER = "transfer", _("Transfer")  # 调拨单
    UNPACKING = "unpacking", _("Unpacking")  # 拆包单


# Document number prefixes (core.numbering): upper-case letters and digits only.
DOCUMENT_PREFIX = {
    DocumentType.RECEIPT: "RK",
    DocumentType.OTHER_INBOUND: "QR",
    DocumentType.ISSUE: "CK",
    DocumentType.TRANSFER: "DB",
    DocumentType.UNPACKING: "CB",
}
STOCKTAKE_PREFIX = "PD"


class InboundKind(models.TextChoices):
    GIFT = "gift", _("Gift")  # 赠品入库
    OTHER = "other", _("Other")  # 其他入库


class IssueKind(models.TextChoices):
    DEPARTMENT = "department", _("To a department warehouse")  # 科室领用出库
    USAGE = "usage", _("Usage")  # 使用出库
    SCRAP = "scrap", _("Scrap")  # 报废


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")  # a reversing document was posted against it
    CANCELLED = "cancelled", _("Cancelled")  # withdrawn before posting; nothing was posted


class StocktakeStatus(models.TextChoices):
    COUNTING = "counting", _("Counting")
    SUBMITTED = "submitted", _("Submitted")
    POSTED = "posted", _("Approved and posted")
    CANCELLED = "cancelled", _("Cancelled")


class MoveType(models.TextChoices):
    RECEIPT = "receipt", _("Purchase receipt")
    OTHER_INBOUND = "other_inbound", _("Other inbound")
    ISSUE_OUT = "issue_out", _("Issue out")
    ISSUE_IN = "issue_in", _("Issue in (department)")
    USAGE = "usage", _("Usage")
    SCRAP = "scrap", _("Scrap")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    UNPACK_OUT = "unpack_out", _("Unpacked (box)")
    UNPACK_IN = "unpack_in", _("Unpacked (units)")
    STOCKTAKE_GAIN = "stocktake_gain", _("Stocktake gain")
    STOCKTAKE_LOSS = "stocktake_loss", _("Stocktake loss")
    REVERSAL = "reversal", _("Reversal")


class CloseStatus(models.TextChoices):
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


class AlertKind(models.TextChoices):
    SHORTAGE = "shortage", _("Below minimum")  # 库存不足
    OVERSTOCK = "overstock", _("Above maximum")  # 库存积压
    NEAR_EXPIRY = "near_expiry", _("Near expiry")  # 近效期
    EXPIRED = "expired", _("Expired")  # 已过期
    CERTIFICATE = "certificate", _("Certificate expiring")  # 资质到期
