"""CRM-04: the search benchmark (``benchmarks/customer_search.py``) works — its generator, its
timing and its report, on 300 customers in the test database (not timed) — and every kind of
query it times returns exactly the customers the one box promises, within the actor's scope."""

from __future__ import annotations

import pytest
from benchmarks import customer_search as bench

from medspa.customers.models import Customer
from medspa.customers.search import classify, name_keys, phone_last4
from medspa.customers.selectors import SEARCH_LIMIT, customer_search, customers_for
from medspa.organization.models import Branch, Staff
from tests.customers.factories import CustomerFactory
from tests.factories import role_user

pytestmark = pytest.mark.req("CRM-04")

ACTORS = ["director (organisation)", "consultant (own)"]


def quiet(_message: str) -> None:
    pass


@pytest.fixture
def dataset(db: None) -> bench.Dataset:
    return bench.build_dataset(300, log=quiet)


def promised(customer: Customer, query: str) -> bool:
    """The one box written out in Python (no SQL, no collation): name or its start, full pinyin or
    initials prefix, full phone or its start, last 4 digits, card no."""
    text = query.strip()
    if customer.card_no == text:
        return True
    kind = classify(text)
    if kind == "last4":
        return customer.phone_last4 == text
    if kind == "phone":
        return customer.phone.startswith(text)
    if kind == "pinyin":
        return customer.name_initials.startswith(text.lower()) or customer.name_pinyin.startswith(
            text.lower()
        )
    full, _initials = name_keys(text)
    by_pinyin = bool(full) and not text.isascii() and customer.name_pinyin.startswith(full)
    return customer.name.startswith(text) or by_pinyin


def test_generator_makes_two_organisations_of_searchable_customers(dataset):
    ours = Customer.objects.filter(organisation_id=dataset.organisation_id)
    assert ours.count() == 300
    assert Customer.objects.filter(organisation_id=dataset.other_organisation_id).count() == 30
    assert Branch.objects.filter(organisation_id=dataset.organisation_id).count() == 5
    assert Staff.objects.filter(organisation_id=dataset.organisation_id).count() == 50
    customers = list(Customer.objects.select_related("consultant"))
    for customer in customers:
        assert (customer.name_pinyin, customer.name_initials) == name_keys(customer.name)
        assert customer.phone_last4 == phone_last4(customer.phone)
        assert customer.consultant is None or customer.consultant.branch_id == customer.branch_id
    phones = [c.phone for c in customers if c.phone]
    cards = [c.card_no for c in customers if c.card_no]
    assert len(set(phones)) == len(phones) and len(set(cards)) == len(cards)
    assert dataset.own_actor.staff_id is not None
    owned = customers_for(dataset.own_actor)
    assert set(owned.values_list("consultant_id", flat=True)) == {dataset.own_actor.staff_id}
    assert 0 < owned.count() < ours.count() == customers_for(dataset.org_actor).count()


def test_report_times_every_kind_for_both_actors(dataset):
    report = bench.run(dataset, n=10, log=quiet)

    assert list(report.per_actor) == ACTORS
    assert report.wrong == []
    for results in report.per_actor.values():
        assert list(results) == [kind.key for kind in bench.KINDS]
        for result in results.values():
            (hits_ok, hits), (misses_ok, misses) = result.hits, result.misses
            assert hits_ok == hits > 0
            assert misses_ok == misses == (1 if result.kind.miss else 0)
            assert hits + misses == result.n <= 10
            assert 0 < result.p50 <= result.p95 <= result.max
    table = report.table().splitlines()
    assert len(table) == 3 + len(ACTORS) * len(bench.KINDS)
    assert table[0].startswith(f"CRM-04 customer search on {report.vendor}: 300 customers")
    assert [line.split("  ")[0] for line in table[3:]] == [a for a in ACTORS for _kind in bench.KINDS]
    assert list(report.plans) == ACTORS
    for plans in report.plans.values():
        assert list(plans) == [kind.key for kind in bench.KINDS]
        for _query, statements in plans.values():
            [(sql, plan)] = statements  # one statement per search
            assert sql.startswith("SELECT") and "customers_customer" in sql
            assert plan
    sql = report.sql()
    for actor in ACTORS:
        for kind in bench.KINDS:
            assert f"--- {actor} · {kind.label} · q=" in sql


def test_every_kind_returns_the_promised_customers(dataset):
    for actor in (dataset.org_actor, dataset.own_actor):
        visible = list(customers_for(actor))
        probes = bench.make_probes(actor, dataset, 10)
        assert {probe.kind.key for probe in probes} == {kind.key for kind in bench.KINDS}
        for probe in probes:
            found = customer_search(actor, probe.query)
            expected = {c.pk for c in visible if promised(c, probe.query)}
            context = (actor.username, probe.kind.key, probe.query)
            assert {c.pk for c in found} <= expected, context
            assert len(found) == min(len(expected), SEARCH_LIMIT), context
            assert [(c.name_pinyin, c.pk) for c in found] == sorted((c.name_pinyin, c.pk) for c in found)
            if probe.target is None:
                assert expected == set(), context
            else:
                assert probe.target in expected, context


def test_a_prefix_ends_before_the_next_character(branch):
    director = role_user("院长", username="director", branches=[branch])
    for name, phone in (("张", "13899990000"), ("张三", "13899991111"), ("弡", "13900000000"), ("弟", "")):
        CustomerFactory(branch=branch, name=name, phone=phone)

    assert [c.name for c in customer_search(director, "张")] == ["张", "张三"]
    assert [c.name for c in customer_search(director, "13899")] == ["张", "张三"]
    assert [c.name for c in customer_search(director, "138999911")] == ["张三"]
