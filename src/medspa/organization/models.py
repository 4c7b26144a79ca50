"""Organisation → branch (院区/门店) → department (科室, a tree); positions (职位) and staff (职员)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from medspa.core.models import AuditedModel, BranchScopedModel, TimeStampedModel


class Organisation(TimeStampedModel):
    """A hospital or clinic group: the tenant that owns branches, staff and customers."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Branch(AuditedModel):
    """A campus or store (院区/门店); every business record belongs to one branch — PLT-01."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="branches"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="branch_code_unique_per_org"),
        ]
        permissions = [("export_branch", _("Can export branches"))]

    def __str__(self) -> str:
        return self.name


class Department(BranchScopedModel):
    """A department (科室) of one branch; departments form a tree through ``parent``."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["branch_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "code"], name="department_code_unique_per_branch"),
        ]
        permissions = [("export_department", _("Can export departments"))]

    def __str__(self) -> str:
        return self.name


class Position(AuditedModel):
    """A job position (职位) such as doctor, nurse or consultant; a staff member may hold several."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="positions"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["organisation_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="position_code_unique_per_org"),
        ]
        permissions = [("export_position", _("Can export positions"))]

    def __str__(self) -> str:
        return self.name


class Staff(BranchScopedModel):
    """A staff record (职员资料) — PLT-02. A login account (User) may be linked to it."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="staff"
    )
    employee_no = models.CharField(_("employee no"), max_length=32)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    positions = models.ManyToManyField(
        Position, verbose_name=_("positions"), related_name="staff", blank=True
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["organisation_id", "employee_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "employee_no"], name="staff_employee_no_unique_per_org"
            ),
        ]
        permissions = [("export_staff", _("Can export staff"))]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"
