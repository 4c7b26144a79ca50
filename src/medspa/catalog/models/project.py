"""Projects (项目资料) — CAT-01, with their knowledge base and cases (CAT-04) and operator fees
(CAT-05)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medspa.catalog.choices import ResourceKind
from medspa.core.models import AuditedModel


class Project(AuditedModel):
    """A service the clinic sells and performs (e.g. 玻尿酸填充 — 鼻部), priced per session.

    ``min_interval_days`` is the least time between two sessions for one customer (botulinum:
    90). The standard consumables per session are :class:`ProjectMaterial` rows (the BOM)."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    pinyin = models.CharField(_("pinyin"), max_length=400, blank=True, db_index=True)
    category = models.ForeignKey(
        "catalog.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="projects"
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2)
    sessions_per_course = models.PositiveIntegerField(_("sessions per course"), default=1)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=30)
    min_interval_days = models.PositiveIntegerField(_("minimum days between sessions"), default=0)
    description = models.TextField(_("description"), blank=True)
    aftercare = models.TextField(_("post-treatment instructions"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="project_code_unique_per_org"),
            models.CheckConstraint(condition=Q(list_price__gte=0), name="project_list_price_not_negative"),
            models.CheckConstraint(condition=Q(sessions_per_course__gte=1), name="project_sessions_positive"),
        ]
        permissions = [
            ("export_project", _("Can export projects")),
            ("preview_price", _("Can preview prices")),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectLevelPrice(models.Model):
    """The price of a project for one member level: a fixed ``price`` or a ``discount_percent`` of
    the list price (exactly one). Without a row the level's own discount applies."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="level_prices"
    )
    member_level = models.ForeignKey(
        "customers.MemberLevel", verbose_name=_("member level"), on_delete=models.PROTECT, related_name="+"
    )
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, null=True, blank=True)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("member price")
        verbose_name_plural = _("member prices")
        ordering = ["project_id", "member_level_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "member_level"], name="projectlevelprice_unique"),
            models.CheckConstraint(
                condition=(Q(price__isnull=False, discount_percent__isnull=True, price__gte=0))
                | (
                    Q(price__isnull=True, discount_percent__isnull=False)
                    & Q(discount_percent__gte=0, discount_percent__lte=100)
                ),
                name="projectlevelprice_price_or_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.member_level_id}"


class ProjectResource(models.Model):
    """A resource a booking of the project needs: a doctor, a nurse, a room or a device of a type."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="resources"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ResourceKind)
    description = models.CharField(
        _("type"), max_length=100, blank=True, help_text=_("e.g. 激光治疗室 or 皮秒激光仪")
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)

    class Meta:
        verbose_name = _("required resource")
        verbose_name_plural = _("required resources")
        ordering = ["project_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.description}".strip()


class ProjectMaterial(models.Model):
    """A line of the project's bill of materials (BOM): the standard quantity of an inventory item,
    in its base unit, consumed by one session."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="materials"
    )
    item = models.ForeignKey(
        "inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity per session"), max_digits=14, decimal_places=3)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("standard consumable")
        verbose_name_plural = _("standard consumables")
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "item"], name="projectmaterial_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="projectmaterial_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


class ProjectArticle(AuditedModel):
    """An article of the project's knowledge base (知识库), shown to consultants while consulting."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="articles"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["project_id", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ProjectCase(AuditedModel):
    """A case (案例) of the project: name, before and after images and a description, shown while
    consulting. The customer's consent to show the images is recorded."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="cases"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    before_image = models.ImageField(_("before"), upload_to="catalog/cases/%Y/%m/", blank=True)
    after_image = models.ImageField(_("after"), upload_to="catalog/cases/%Y/%m/", blank=True)
    consent_confirmed = models.BooleanField(_("customer consent to show"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["project_id", "order", "id"]

    def __str__(self) -> str:
        return self.name


class ProjectOperatorFee(models.Model):
    """Who operates the project (a position: doctor, nurse, assistant) and the operation fee per
    session for that position (操作费单价), used for labour cost and operator commission."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="operator_fees"
    )
    position = models.ForeignKey(
        "organization.Position", verbose_name=_("position"), on_delete=models.PROTECT, related_name="+"
    )
    fee = models.DecimalField(_("fee per session"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("operator fee")
        verbose_name_plural = _("operator fees")
        ordering = ["project_id", "position_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="projectoperatorfee_unique"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="projectoperatorfee_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.position_id}: {self.fee}"
