"""Customers (客户) and what hangs off their archive in CRM: tags, custom fields, consultations,
complaints, files, member levels — CRM-01…09, CRM-12, MBR-01."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from medspa.core.models import AuditedModel, BranchScopedModel
from medspa.customers.choices import (
    ComplaintStatus,
    ConsultationChannel,
    ConsultationOutcome,
    FieldType,
    FileKind,
    Gender,
    LifecycleStatus,
)


class MemberLevel(AuditedModel):
    """A membership tier (会员级别) of an organisation — MBR-01. ``discount_percent`` is what a
    member pays of the list price (95.00 = 95 折); spending ≥ ``upgrade_amount`` within
    ``window_days`` reaches the level, below ``downgrade_amount`` loses it."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=50)
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=100)
    points_multiplier = models.DecimalField(_("points multiplier"), max_digits=5, decimal_places=2, default=1)
    upgrade_amount = models.DecimalField(_("upgrade at spending"), max_digits=14, decimal_places=2, default=0)
    downgrade_amount = models.DecimalField(
        _("downgrade below spending"), max_digits=14, decimal_places=2, default=0
    )
    window_days = models.PositiveIntegerField(_("spending window (days)"), default=365)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("member level")
        verbose_name_plural = _("member levels")
        ordering = ["organisation_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="memberlevel_unique_name"),
            models.CheckConstraint(
                condition=Q(discount_percent__gt=0, discount_percent__lte=100),
                name="memberlevel_discount_range",
            ),
        ]
        permissions = [("export_memberlevel", _("Can export member levels"))]

    def __str__(self) -> str:
        return self.name


class Bytewise(Func):
    """A text column compared byte by byte (PostgreSQL's ``C`` collation, SQLite's ``BINARY``).

    The search keys are indexed and read this way: a B-tree in the database's linguistic collation
    (``zh_CN.UTF-8``, ``en_US.UTF-8``, even ``C.UTF-8``) cannot serve ``LIKE 'x%'``, one in byte
    order serves both the prefix range and ``ORDER BY`` (CRM-04). (Not a ``Collate``: the collation
    is named per database, and an index takes ``Collate`` only with one name for all.)"""

    template = '%(expressions)s COLLATE "C"'

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="%(expressions)s COLLATE BINARY", **extra_context)


# The columns the data scope of ``customers_for`` filters on besides the organisation.
SCOPE = (F("branch"), F("consultant"), F("merged_into"))


class Customer(BranchScopedModel):
    """A person who consults, buys or is treated (客户) — CRM-01. ``branch`` is the home branch;
    the organisation's customers are one pool (phone and card no unique in it). Search keys
    (pinyin, initials, last 4 phone digits) are kept by the services."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True, editable=False)
    name_initials = models.CharField(_("initials"), max_length=50, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, default=Gender.UNKNOWN)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_last4 = models.CharField(_("last 4 digits"), max_length=4, blank=True, editable=False)
    wechat_id = models.CharField(_("WeChat id"), max_length=50, blank=True)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_index = models.CharField(_("ID number index"), max_length=64, blank=True, editable=False)
    id_number_tail = models.CharField(_("ID number tail"), max_length=4, blank=True, editable=False)
    card_no = models.CharField(_("card no"), max_length=32, blank=True)
    source_channel = models.ForeignKey(
        "configuration.DictionaryItem",
        verbose_name=_("source channel"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    info_source = models.ForeignKey(
        "configuration.DictionaryItem",
        verbose_name=_("information source"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    region = models.ForeignKey(
        "configuration.DictionaryItem",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    referrer_customer = models.ForeignKey(
        "self",
        verbose_name=_("referred by customer"),
        on_delete=models.SET_NULL,
        related_name="referrals",
        null=True,
        blank=True,
    )
    referrer_staff = models.ForeignKey(
        "organization.Staff",
        verbose_name=_("referred by staff"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    consultant = models.ForeignKey(
        "organization.Staff",
        verbose_name=_("consultant"),
        on_delete=models.PROTECT,
        related_name="owned_customers",
        null=True,
        blank=True,
    )
    doctor = models.ForeignKey(
        "organization.Staff",
        verbose_name=_("doctor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    intention = models.CharField(_("intended projects"), max_length=200, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=LifecycleStatus.choices, default=LifecycleStatus.POTENTIAL
    )
    first_visit_at = models.DateTimeField(_("first visit"), null=True, blank=True)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    visit_count = models.PositiveIntegerField(_("visits"), default=0)
    member_level = models.ForeignKey(
        MemberLevel,
        verbose_name=_("member level"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    tags = models.ManyToManyField(
        "configuration.DictionaryItem", verbose_name=_("tags"), related_name="+", blank=True
    )
    custom_values = models.JSONField(_("custom fields"), default=dict, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "phone"], condition=~Q(phone=""), name="customer_unique_phone"
            ),
            models.UniqueConstraint(
                fields=["organisation", "card_no"], condition=~Q(card_no=""), name="customer_unique_card_no"
            ),
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                condition=~Q(external_id=""),
                name="customer_unique_external_id",
            ),
        ]
        indexes = [
            # The search (CRM-04): each key in byte order, so that one index serves its prefix
            # range and the order candidates are read in (key, pk) — see Bytewise — followed by
            # the columns the data scope filters on, so a narrow scope filters index entries
            # without visiting rows.
            models.Index(F("organisation"), Bytewise("name"), F("id"), *SCOPE, name="customer_search_name"),
            models.Index(
                F("organisation"), Bytewise("name_pinyin"), F("id"), *SCOPE, name="customer_search_pinyin"
            ),
            models.Index(
                F("organisation"), Bytewise("name_initials"), F("id"), *SCOPE, name="customer_search_initials"
            ),
            models.Index(F("organisation"), Bytewise("phone"), F("id"), *SCOPE, name="customer_search_phone"),
            models.Index(
                F("organisation"),
                F("phone_last4"),
                F("name_pinyin"),
                F("id"),
                *SCOPE,
                name="customer_search_last4",
            ),
            # The list sorted by name (pinyin, in the database's collation).
            models.Index(fields=["organisation", "name_pinyin"], name="customer_pinyin"),
            models.Index(fields=["organisation", "status"], name="customer_status"),
        ]
        permissions = [
            ("export_customer", _("Can export customers")),
            ("view_full_contact", _("Can view full phone and ID numbers")),
            ("bulk_change_customer", _("Can change customers in bulk")),
            ("merge_customer", _("Can merge duplicate customers")),
            ("import_customer", _("Can import customers")),
        ]

    def __str__(self) -> str:
        return self.name


class CardNoChange(models.Model):
    """History of a customer's card no (卡号变更记录)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="card_changes"
    )
    old = models.CharField(_("old card no"), max_length=32, blank=True)
    new = models.CharField(_("new card no"), max_length=32, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )

    class Meta:
        verbose_name = _("card no change")
        verbose_name_plural = _("card no changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"


class CustomField(AuditedModel):
    """A field the clinic adds to the customer profile (自定义字段) — CRM-02. Values live in
    ``Customer.custom_values[key]``; ``editable_by`` empty means every role that may change
    customers."""

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    key = models.SlugField(_("key"), max_length=32)
    label = models.CharField(_("label"), max_length=50)
    type = models.CharField(_("type"), max_length=8, choices=FieldType.choices, default=FieldType.TEXT)
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    show_in_list = models.BooleanField(_("shown in list"), default=False)
    editable_by = models.ManyToManyField(
        "auth.Group", verbose_name=_("roles that may edit"), related_name="+", blank=True
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["organisation_id", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="customfield_unique_key")]

    def __str__(self) -> str:
        return self.label


class Consultation(BranchScopedModel):
    """One consultation (受理/咨询) — CRM-05."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="consultations"
    )
    consulted_at = models.DateTimeField(_("consulted at"))
    consultant = models.ForeignKey(
        "organization.Staff", verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=ConsultationChannel.choices, default=ConsultationChannel.VISIT
    )
    projects = models.CharField(_("projects of interest"), max_length=200, blank=True)
    content = models.TextField(_("content"))
    chat_log = models.TextField(_("chat log"), blank=True)
    potential_needs = models.TextField(_("potential needs"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=ConsultationOutcome.choices)
    outcome_reason = models.ForeignKey(
        "configuration.DictionaryItem",
        verbose_name=_("reason"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-consulted_at", "-pk"]
        indexes = [models.Index(fields=["customer", "consulted_at"], name="consultation_customer")]

    def __str__(self) -> str:
        return f"{self.customer} {self.consulted_at:%Y-%m-%d}"


class Complaint(BranchScopedModel):
    """A complaint (投诉) tracked to resolution — CRM-09."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="complaints"
    )
    received_at = models.DateTimeField(_("received at"))
    content = models.TextField(_("content"))
    status = models.CharField(
        _("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    assignee = models.ForeignKey(
        "organization.Staff",
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["customer", "status"], name="complaint_customer_status")]

    def __str__(self) -> str:
        return f"{self.customer} {self.received_at:%Y-%m-%d}"


class CustomerFile(BranchScopedModel):
    """A document or photo on the archive (档案文件): PDF or image, with a kind."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="files"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FileKind.choices, default=FileKind.OTHER)
    file = models.FileField(_("file"), upload_to="customers/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.PROTECT,
        related_name="photos",
        null=True,
        blank=True,
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("customer file")
        verbose_name_plural = _("customer files")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name


class ImportJob(BranchScopedModel):
    """One upload of the legacy import (CRM-07): checked first (errors per row), then the valid
    rows are imported by a background task; progress and the report are kept here."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organisation = models.ForeignKey(
        "organization.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    valid = models.PositiveIntegerField(_("valid rows"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    skipped = models.PositiveIntegerField(_("rows imported before"), default=0)
    created = models.PositiveIntegerField(_("customers created"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name
