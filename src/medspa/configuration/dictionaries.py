"""What each dictionary kind (基础设置) allows: tree or flat, the kind of its parent, extra fields.
One table (``DictionaryItem``) and one set of pages serve them all."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from medspa.configuration.choices import DictionaryKind

MAX_TREE_DEPTH = 4  # levels, the root included; the list's tree ordering relies on it


@dataclass(frozen=True)
class KindSpec:
    kind: DictionaryKind
    singular: str | Promise
    description: str | Promise
    icon: str
    parent_kind: DictionaryKind | None = None  # the kind a parent must have; None: flat
    parent_required: bool = False
    has_colour: bool = False
    has_multiple: bool = False

    @property
    def label(self) -> str | Promise:
        return self.kind.label

    @property
    def is_tree(self) -> bool:
        """Entries nest under entries of the same kind."""
        return self.parent_kind == self.kind


K = DictionaryKind

KIND_SPECS: dict[DictionaryKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(K.JOB_TYPE, _("job type"), _("Kinds of work staff do (咨询、治疗、护理…)."), "ti-briefcase"),
        KindSpec(
            K.PRODUCT_CATEGORY,
            _("product category"),
            _("Categories of treatments and products, as a tree."),
            "ti-category",
            parent_kind=K.PRODUCT_CATEGORY,
        ),
        KindSpec(
            K.EXPENSE_ACCOUNT, _("expense account"), _("Accounts that expenses are booked to."), "ti-receipt"
        ),
        KindSpec(K.REGION, _("region"), _("Where customers come from."), "ti-map-pin"),
        KindSpec(
            K.INFO_SOURCE, _("information source"), _("How customers heard of the clinic."), "ti-speakerphone"
        ),
        KindSpec(
            K.CHANNEL,
            _("channel"),
            _("Channels customers arrive through, as a tree."),
            "ti-git-fork",
            parent_kind=K.CHANNEL,
        ),
        KindSpec(
            K.TAG_GROUP,
            _("tag group"),
            _("Groups of customer tags; a group may allow several tags per customer."),
            "ti-tags",
            has_multiple=True,
        ),
        KindSpec(
            K.TAG,
            _("tag"),
            _("Customer tags, each in a tag group."),
            "ti-tag",
            parent_kind=K.TAG_GROUP,
            parent_required=True,
            has_colour=True,
        ),
        KindSpec(
            K.OUTCOME_REASON,
            _("outcome reason"),
            _("Why a consultation did not end in a sale."),
            "ti-message-question",
        ),
        KindSpec(K.PAYMENT_METHOD, _("payment method"), _("How customers pay at the cashier."), "ti-cash"),
    )
}


def kind_spec(kind: str) -> KindSpec:
    """The spec of ``kind``; ``KeyError`` for an unknown kind."""
    try:
        return KIND_SPECS[DictionaryKind(kind)]
    except ValueError:
        raise KeyError(kind) from None
