"""Factories of the customers app. Rows built directly (fast); tests of the services themselves
go through ``services.customer_create``."""

from __future__ import annotations

import factory
from django.utils import timezone

from medspa.customers.models import Complaint, Consultation, Customer, CustomField, MemberLevel
from medspa.customers.search import name_keys, phone_last4
from tests.factories import BranchFactory, OrganisationFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    """``CustomerFactory(branch=b, name="张三", phone="13800138000", consultant=staff)``; search
    keys follow the name and phone."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    branch = factory.SubFactory(BranchFactory)
    organisation = factory.LazyAttribute(lambda o: o.branch.organisation)
    name = factory.Sequence(lambda n: f"客户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    name_pinyin = factory.LazyAttribute(lambda o: name_keys(o.name)[0])
    name_initials = factory.LazyAttribute(lambda o: name_keys(o.name)[1])
    phone_last4 = factory.LazyAttribute(lambda o: phone_last4(o.phone))

    @factory.post_generation
    def tags(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.tags.add(*extracted)


class MemberLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberLevel

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"会员{n}")


class CustomFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomField

    key = factory.Sequence(lambda n: f"f{n}")
    label = factory.Sequence(lambda n: f"字段{n}")


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    customer = factory.SubFactory(CustomerFactory)
    branch = factory.LazyAttribute(lambda o: o.customer.branch)
    consulted_at = factory.LazyFunction(timezone.now)
    content = "咨询内容"
    outcome = "deal"


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    customer = factory.SubFactory(CustomerFactory)
    branch = factory.LazyAttribute(lambda o: o.customer.branch)
    received_at = factory.LazyFunction(timezone.now)
    content = "投诉内容"
