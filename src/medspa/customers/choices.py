from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Gender(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNKNOWN = "U", _("Unknown")


class LifecycleStatus(models.TextChoices):
    """CRM-12, derived by :func:`medspa.customers.lifecycle.lifecycle_status`."""

    POTENTIAL = "potential", _("Potential")  # 潜在: never visited
    NEW = "new", pgettext_lazy("lifecycle", "New")  # 新客: one visit so far
    RETURNING = "returning", _("Returning")  # 老客
    DORMANT = "dormant", _("Dormant")  # 沉睡: no visit for crm.dormant_days
    LOST = "lost", _("Lost")  # 流失: no visit for crm.lost_days


class ConsultationChannel(models.TextChoices):
    VISIT = "visit", _("In person")  # 到院
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online")
    WECHAT = "wechat", _("WeChat")
    OTHER = "other", _("Other")


class ConsultationOutcome(models.TextChoices):
    DEAL = "deal", _("Deal")  # 成交
    NO_DEAL = "no_deal", _("No deal")  # 未成交


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ASSIGNED = "assigned", _("Assigned")
    RESOLVED = "resolved", _("Resolved")


class FileKind(models.TextChoices):
    PRESCRIPTION = "prescription", _("Prescription")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    RECORD = "record", _("Medical record")
    CONSENT = "consent", _("Consent form")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Single choice")
    MULTI = "multi", _("Multiple choice")
