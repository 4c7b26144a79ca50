"""Bulk maintenance and merging of duplicates (CRM-08)."""

from __future__ import annotations

import pytest

from medspa.audit.models import AuditEvent
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem
from medspa.core.errors import NotFound, PermissionDenied, ValidationError
from medspa.customers import bulk_services
from medspa.customers.bulk_services import BulkChange
from medspa.customers.models import CardNoChange, Customer
from tests.customers.factories import (
    ComplaintFactory,
    ConsultationFactory,
    CustomerFactory,
    CustomFieldFactory,
)
from tests.factories import BranchFactory, role_user
from tests.organization.factories import StaffFactory

pytestmark = [pytest.mark.req("CRM-08"), pytest.mark.django_db]


@pytest.fixture
def director(branch):
    return role_user("院长", username="director", branches=[branch])


@pytest.fixture
def consultant_staff(branch):
    return StaffFactory(branch=branch, name="李咨询")


def tag(org, name, group, *, multiple=True):
    parent, _ = DictionaryItem.objects.get_or_create(
        organisation=org,
        kind=DictionaryKind.TAG_GROUP,
        code=group,
        defaults={"name": group, "multiple": multiple},
    )
    return DictionaryItem.objects.create(
        organisation=org, kind=DictionaryKind.TAG, code=name, name=name, parent=parent
    )


def test_bulk_change_owner_tags_and_custom_field(director, branch, consultant_staff):
    org = branch.organisation
    vip, new = tag(org, "vip", "level", multiple=False), tag(org, "new", "level", multiple=False)
    skin = tag(org, "skin", "interest")
    field = CustomFieldFactory(
        organisation=org, key="skin_type", label="肤质", type="choice", options=["干", "油"]
    )
    customers = [CustomerFactory(branch=branch, tags=[new]) for _ in range(3)]
    other = CustomerFactory(branch=branch)
    changed = bulk_services.customer_bulk_change(
        actor=director,
        customer_ids=[c.pk for c in customers],
        change=BulkChange(
            consultant_id=consultant_staff.pk, add_tag_ids=[vip.pk, skin.pk], custom={field.key: "油"}
        ),
    )
    assert changed == 3
    for customer in customers:
        customer.refresh_from_db()
        assert customer.consultant_id == consultant_staff.pk
        assert customer.custom_values == {"skin_type": "油"}
        # vip replaced new: the group allows one tag
        assert sorted(customer.tags.values_list("name", flat=True)) == ["skin", "vip"]
    other.refresh_from_db()
    assert other.consultant_id is None and other.custom_values == {}
    assert AuditEvent.objects.filter(action="bulk_update", module="customers").count() == 3


def test_bulk_change_is_all_or_nothing(director, branch):
    mine = CustomerFactory(branch=branch)
    foreign = CustomerFactory(branch=BranchFactory())
    with pytest.raises(NotFound) as info:
        bulk_services.customer_bulk_change(
            actor=director, customer_ids=[mine.pk, foreign.pk], change=BulkChange(remove_tag_ids=[1])
        )
    assert "1" in info.value.message
    with pytest.raises(ValidationError) as empty:
        bulk_services.customer_bulk_change(actor=director, customer_ids=[mine.pk], change=BulkChange())
    assert empty.value.field == "__all__"
    with pytest.raises(ValidationError) as bad:
        bulk_services.customer_bulk_change(
            actor=director, customer_ids=[mine.pk], change=BulkChange(custom={"nope": 1})
        )
    assert bad.value.field == "custom"
    assert not AuditEvent.objects.filter(action="bulk_update").exists()


def test_bulk_change_needs_the_permission(branch):
    consultant = role_user("咨询师", username="c1", branches=[branch])
    customer = CustomerFactory(branch=branch)
    with pytest.raises(PermissionDenied):
        bulk_services.customer_bulk_change(
            actor=consultant, customer_ids=[customer.pk], change=BulkChange(consultant_id=None)
        )
    customer.refresh_from_db()
    assert customer.updated_by_id is None


def test_merge_moves_every_record_and_keeps_a_trace(director, branch, consultant_staff):
    org = branch.organisation
    keep = CustomerFactory(branch=branch, name="王芳", phone="", card_no="", visit_count=2)
    dup = CustomerFactory(
        branch=branch,
        name="王芳",
        phone="13800138000",
        card_no="C100",
        visit_count=3,
        consultant=consultant_staff,
    )
    dup.tags.add(tag(org, "vip", "level"))
    referred = CustomerFactory(branch=branch, referrer_customer=dup)
    ConsultationFactory(customer=dup, consultant=consultant_staff)
    ConsultationFactory(customer=dup, consultant=consultant_staff)
    ComplaintFactory(customer=dup)
    CardNoChange.objects.create(customer=dup, old="", new="C100")
    result = bulk_services.customer_merge(actor=director, keep_id=keep.pk, duplicate_id=dup.pk)
    keep.refresh_from_db()
    dup.refresh_from_db()
    assert result.moved == {
        "consultations": 2,
        "complaints": 1,
        "files": 0,
        "card_changes": 1,
        "referrals": 1,
    }
    assert (keep.phone, keep.phone_last4, keep.card_no, keep.visit_count) == (
        "13800138000",
        "8000",
        "C100",
        5,
    )
    assert keep.consultant_id == consultant_staff.pk
    assert list(keep.tags.values_list("name", flat=True)) == ["vip"]
    assert keep.consultations.count() == 2 and keep.complaints.count() == 1
    assert (dup.merged_into_id, dup.is_active, dup.phone, dup.card_no) == (keep.pk, False, "", "")
    referred.refresh_from_db()
    assert referred.referrer_customer_id == keep.pk
    assert set(AuditEvent.objects.filter(module="customers").values_list("action", flat=True)) == {
        "merge",
        "merged_away",
    }
    # the merged-away row no longer appears to anyone
    assert not Customer.objects.filter(pk=dup.pk, merged_into=None).exists()


def test_merge_refuses_bad_pairs(director, branch):
    keep = CustomerFactory(branch=branch)
    foreign = CustomerFactory(branch=BranchFactory())
    with pytest.raises(ValidationError):
        bulk_services.customer_merge(actor=director, keep_id=keep.pk, duplicate_id=keep.pk)
    with pytest.raises(NotFound):
        bulk_services.customer_merge(actor=director, keep_id=keep.pk, duplicate_id=foreign.pk)
    consultant = role_user("咨询师", username="c2", branches=[branch])
    other = CustomerFactory(branch=branch)
    with pytest.raises(PermissionDenied):
        bulk_services.customer_merge(actor=consultant, keep_id=keep.pk, duplicate_id=other.pk)
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0
