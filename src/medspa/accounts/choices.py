from django.db import models
from django.utils.translation import gettext_lazy as _


class DataScope(models.IntegerChoices):
    """How much of the organisation's data a role sees (数据权限); wider is larger."""

    OWN = 1, _("Own records")
    DEPARTMENT = 2, _("Own department")
    BRANCH = 3, _("Own branch")
    ORGANISATION = 4, _("Whole organisation")
