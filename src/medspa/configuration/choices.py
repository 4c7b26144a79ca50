"""Choices of the configuration app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DictionaryKind(models.TextChoices):
    """The kinds of dictionary (基础设置) entries; their rules live in ``dictionaries.KIND_SPECS``."""

    JOB_TYPE = "job_type", _("Job types")
    PRODUCT_CATEGORY = "product_category", _("Product categories")
    EXPENSE_ACCOUNT = "expense_account", _("Expense accounts")
    REGION = "region", _("Regions")
    INFO_SOURCE = "info_source", _("Information sources")
    CHANNEL = "channel", _("Channels")
    TAG_GROUP = "tag_group", _("Customer tag groups")
    TAG = "tag", _("Customer tags")
    OUTCOME_REASON = "outcome_reason", _("Consultation outcome reasons")
    PAYMENT_METHOD = "payment_method", _("Payment methods")


class ParameterSource(models.TextChoices):
    """Where a parameter's effective value comes from."""

    DEFAULT = "default", _("Default")
    ORGANISATION = "organisation", _("Organisation")
    BRANCH = "branch", _("Branch")
