"""Input shapes of the consultation, complaint and file pages; the services decide what is
acceptable (time not in the future, reason only without a deal, file type and size …)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medspa.configuration.models import DictionaryItem
from medspa.customers import record_selectors
from medspa.customers.choices import ConsultationChannel, ConsultationOutcome, FileKind
from medspa.customers.models import Consultation, Customer
from medspa.organization.models import Staff

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"
FILE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,application/pdf," + IMAGE_ACCEPT


def _now() -> str:
    return timezone.localtime().strftime(DATETIME_FORMAT)


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input; the value is taken in the clinic's time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return f"{obj.name}（{obj.employee_no}）"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleaned to a list (empty when none was chosen)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        if not data:
            return []
        return [super().clean(data, initial)]


class ConsultationForm(forms.Form):
    consulted_at = LocalDateTimeField(label=_("Consulted at"))
    consultant = StaffChoiceField(label=_("Consultant"), queryset=Staff.objects.none())
    channel = forms.ChoiceField(
        label=_("Consultation channel"),
        choices=ConsultationChannel.choices,
        initial=ConsultationChannel.VISIT,
    )
    projects = forms.CharField(
        label=_("Projects of interest"),
        max_length=200,
        required=False,
        help_text=_("For example: hyaluronic acid for the nose, photo rejuvenation."),
    )
    content = forms.CharField(label=_("Consultation content"), widget=forms.Textarea(attrs={"rows": 4}))
    chat_log = forms.CharField(label=_("Chat log"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    potential_needs = forms.CharField(
        label=_("Potential needs"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ConsultationOutcome.choices)
    outcome_reason = forms.ModelChoiceField(
        label=_("Reason not closed"),
        queryset=DictionaryItem.objects.none(),
        required=False,
        help_text=_("Required when the consultation did not end in a deal."),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("JPEG, PNG or WebP, at most 20 MB each."),
    )

    def __init__(self, *args: Any, actor: Any, editing: Consultation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = record_selectors.staff_choices_for(actor, active=False)
        reasons = record_selectors.outcome_reasons_for(
            actor, keep_id=editing.outcome_reason_id if editing is not None else None
        )
        if editing is not None:
            del self.fields["photos"]  # photos of an existing consultation go through the files section
            staff = staff.filter(Q(is_active=True) | Q(pk=editing.consultant_id))
        else:
            staff = staff.filter(is_active=True)
            self.fields["consulted_at"].initial = _now
            self.fields["consultant"].initial = getattr(actor, "staff_id", None)
            if not actor.has_perm("customers.add_customerfile"):
                del self.fields["photos"]
        self.fields["consultant"].queryset = staff  # type: ignore[attr-defined]
        self.fields["outcome_reason"].queryset = reasons  # type: ignore[attr-defined]


class ComplaintForm(forms.Form):
    received_at = LocalDateTimeField(label=_("Received at"), initial=_now)
    content = forms.CharField(
        label=_("Complaint"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the customer complains about, in her words."),
    )


class ComplaintAssignForm(forms.Form):
    assignee = StaffChoiceField(label=_("Assignee"), queryset=Staff.objects.none())

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = record_selectors.staff_choices_for(actor)  # type: ignore[attr-defined]


class ComplaintResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the complaint was handled and what the customer was told."),
    )


class ConsultationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Consultation) -> str:
        return f"{timezone.localtime(obj.consulted_at):%Y-%m-%d %H:%M} {obj.consultant.name}"


class CustomerFileForm(forms.Form):
    kind = forms.ChoiceField(label=_("File kind"), choices=FileKind.choices, initial=FileKind.OTHER)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
        help_text=_("PDF or image (JPEG, PNG, WebP), at most 20 MB."),
    )
    consultation = ConsultationChoiceField(
        label=_("Consultation"),
        queryset=Consultation.objects.none(),
        required=False,
        help_text=_("For a photo taken at a consultation."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consultation"].queryset = (  # type: ignore[attr-defined]
            record_selectors.consultations_scoped(actor)
            .filter(customer=customer)
            .select_related("consultant")
            .order_by("-consulted_at", "-pk")
        )
