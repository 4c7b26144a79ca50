"""URLs of the stock document pages, mounted under ``/inventory/`` (namespace ``inventory_docs``).
Each type has ``<doc_type>_list``, ``_create``, ``_detail``, ``_edit`` and ``_action``."""

from django.urls import URLPattern, path

from medspa.inventory import document_views as views
from medspa.inventory.choices import DocumentType

app_name = "inventory_docs"

SEGMENTS = {
    DocumentType.RECEIPT: "receipts",
    DocumentType.OTHER_INBOUND: "other-inbound",
    DocumentType.ISSUE: "issues",
    DocumentType.TRANSFER: "transfers",
    DocumentType.UNPACKING: "unpackings",
}
LISTS = {
    DocumentType.RECEIPT: views.ReceiptListView,
    DocumentType.OTHER_INBOUND: views.OtherInboundListView,
    DocumentType.ISSUE: views.IssueListView,
    DocumentType.TRANSFER: views.TransferListView,
    DocumentType.UNPACKING: views.UnpackingListView,
}


def _document_pages(doc_type: DocumentType) -> list[URLPattern]:
    kind = views.KINDS[doc_type]
    segment = SEGMENTS[doc_type]
    name = str(doc_type)
    return [
        path(f"{segment}/", LISTS[doc_type].as_view(), name=f"{name}_list"),
        path(f"{segment}/new/", views.DocumentCreateView.as_view(kind=kind), name=f"{name}_create"),
        path(f"{segment}/<int:pk>/", views.DocumentDetailView.as_view(kind=kind), name=f"{name}_detail"),
        path(f"{segment}/<int:pk>/edit/", views.DocumentEditView.as_view(kind=kind), name=f"{name}_edit"),
        path(
            f"{segment}/<int:pk>/<slug:action>/",
            views.DocumentActionView.as_view(kind=kind),
            name=f"{name}_action",
        ),
    ]


urlpatterns = [
    *(pattern for doc_type in SEGMENTS for pattern in _document_pages(doc_type)),
    path("inbound-documents/", views.InboundQueryView.as_view(), name="inbound_query"),
    path("outbound-documents/", views.OutboundQueryView.as_view(), name="outbound_query"),
    path("documents/scan/", views.ScanView.as_view(), name="scan"),
    path("documents/line-row/", views.LineRowView.as_view(), name="line_row"),
    path("documents/items/", views.ItemLookupView.as_view(), name="item_lookup"),
]
