"""System parameters (PLT-07): registry, typed values, resolution, cache, set/reset services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext

from medspa.audit.models import AuditEvent
from medspa.configuration import params, services
from medspa.configuration.models import ParameterValue
from medspa.configuration.params import ParamSpec
from medspa.core.errors import NotFound, PermissionDenied, ValidationError
from tests.configuration.conftest import config_writes
from tests.configuration.factories import config_user

pytestmark = [pytest.mark.django_db, pytest.mark.req("PLT-07")]


@pytest.fixture
def temp_specs():
    """Register throw-away parameters for one test and remove them afterwards."""
    added: list[str] = []

    def add(spec: ParamSpec) -> ParamSpec:
        params.register(spec)
        added.append(spec.key)
        return spec

    yield add
    for key in added:
        params._registry.pop(key, None)


def test_builtin_parameters_are_registered():
    keys = {spec.key for spec in params.specs()}
    assert {"crm.dormant_days", "crm.lost_days", "booking.slot_minutes", "sales.rounding"} <= keys
    dormant = params.spec_for("crm.dormant_days")
    assert (dormant.type, dormant.default, dormant.min_value) == ("int", 180, 1)
    assert params.spec_for("crm.lost_days").default == 365
    slot = params.spec_for("booking.slot_minutes")
    assert [value for value, _label in slot.choice_pairs] == [10, 15, 20, 30, 60]
    assert params.spec_for("sales.rounding").default == "fen"


def test_register_refuses_a_different_spec_under_a_taken_key(temp_specs):
    temp_specs(ParamSpec(key="test.x", label="x", type="int", default=1, group="g"))
    params.register(ParamSpec(key="test.x", label="x", type="int", default=1, group="g"))  # same: fine
    with pytest.raises(ValueError, match="already registered"):
        params.register(ParamSpec(key="test.x", label="x", type="int", default=2, group="g"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "float", "default": 1}, "unknown type"),
        ({"type": "choice", "default": "a"}, "needs choices"),
        ({"type": "int", "default": 0, "min_value": 1}, "invalid default"),
        ({"type": "int", "default": 7, "choices": (10, 15)}, "invalid default"),
    ],
)
def test_spec_refuses_inconsistent_declarations(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ParamSpec(key="test.bad", label="bad", group="g", **kwargs)


@pytest.mark.parametrize(
    ("spec", "raw", "typed"),
    [
        (ParamSpec(key="t.i", label="i", type="int", default=1, group="g"), "42", 42),
        (ParamSpec(key="t.i", label="i", type="int", default=1, group="g"), 42, 42),
        (ParamSpec(key="t.b", label="b", type="bool", default=False, group="g"), "true", True),
        (ParamSpec(key="t.b", label="b", type="bool", default=False, group="g"), False, False),
        (
            ParamSpec(key="t.d", label="d", type="decimal", default=Decimal("0.5"), group="g"),
            "1.25",
            Decimal("1.25"),
        ),
        (ParamSpec(key="t.s", label="s", type="str", default="", group="g"), "  hi ", "hi"),
    ],
)
def test_clean_types_values(spec, raw, typed):
    value = spec.clean(raw)
    assert value == typed
    assert type(value) is type(typed)


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("crm.dormant_days", 0, "值不能小于1。"),
        ("crm.dormant_days", 4000, "值不能大于3650。"),
        ("crm.dormant_days", "abc", "Enter a whole number."),
        ("crm.dormant_days", True, "Enter a whole number."),
        ("crm.dormant_days", 1.5, "Enter a whole number."),
        ("crm.dormant_days", float("inf"), "Enter a whole number."),
        ("crm.dormant_days", float("nan"), "Enter a whole number."),
        ("booking.slot_minutes", 25, "请从以下选项中选择：10、15、20、30、60。"),
        ("sales.rounding", 5, "Enter text."),
    ],
)
def test_clean_refuses_bad_values_with_a_clear_message(key, raw, message):
    with pytest.raises(ValidationError) as info:
        params.spec_for(key).clean(raw)
    assert info.value.message == gettext(message)
    assert info.value.field == "value"


def test_resolution_branch_over_organisation_over_default(admin, branch, other_branch):
    org = branch.organisation_id
    assert params.resolve("crm.dormant_days", organisation_id=org, branch_id=branch.pk) == (180, "default")
    services.parameter_set(actor=admin, key="crm.dormant_days", value=90)
    assert params.resolve("crm.dormant_days", organisation_id=org, branch_id=branch.pk) == (
        90,
        "organisation",
    )
    services.parameter_set(actor=admin, key="crm.dormant_days", value=60, branch_id=branch.pk)
    assert params.resolve("crm.dormant_days", organisation_id=org, branch_id=branch.pk) == (60, "branch")
    assert params.param_value("crm.dormant_days", organisation_id=org, branch_id=other_branch.pk) == 90
    assert params.param_value("crm.dormant_days", organisation_id=org) == 90
    # the branch alone is enough: its organisation is looked up
    assert params.param_value("crm.dormant_days", branch_id=branch.pk) == 60
    assert params.param_value("crm.dormant_days") == 180
    assert params.param_value_for(admin, "crm.dormant_days") == 60


def test_values_are_per_organisation(admin, branch, foreign_branch):
    services.parameter_set(actor=admin, key="crm.lost_days", value=400)
    assert params.param_value("crm.lost_days", organisation_id=branch.organisation_id) == 400
    assert params.param_value("crm.lost_days", organisation_id=foreign_branch.organisation_id) == 365


def test_parameter_set_stores_typed_json_and_audits(admin, branch):
    row = services.parameter_set(actor=admin, key="booking.slot_minutes", value="15")
    stored = ParameterValue.objects.get()
    assert (stored.pk, stored.organisation_id, stored.branch_id, stored.key, stored.value) == (
        row.pk,
        branch.organisation_id,
        None,
        "booking.slot_minutes",
        15,
    )
    assert (stored.created_by, stored.updated_by) == (admin, admin)
    event = AuditEvent.objects.get(module="configuration")
    assert (event.action, event.object_type, event.object_id, event.changes) == (
        "create",
        "configuration.parametervalue",
        "booking.slot_minutes",
        {"value": [None, 15]},
    )
    # an organisation value: the audit row carries the branch the actor worked in
    assert (event.organisation_id, event.branch_id, event.actor_id) == (
        branch.organisation_id,
        branch.pk,
        admin.pk,
    )

    services.parameter_set(actor=admin, key="booking.slot_minutes", value=60)
    event = AuditEvent.objects.filter(module="configuration").latest("pk")
    assert (event.action, event.changes) == ("update", {"value": [15, 60]})
    assert ParameterValue.objects.get().value == 60

    services.parameter_set(actor=admin, key="booking.slot_minutes", value=60)  # unchanged: no event
    assert config_writes() == 2


def test_branch_override_is_audited_with_the_branch(admin, branch):
    services.parameter_set(actor=admin, key="sales.rounding", value="yuan", branch_id=branch.pk)
    assert ParameterValue.objects.get().branch_id == branch.pk
    event = AuditEvent.objects.get(module="configuration")
    assert (event.action, event.branch_id, event.changes) == ("create", branch.pk, {"value": [None, "yuan"]})


def test_decimal_parameters_are_stored_as_strings(admin, branch, temp_specs):
    temp_specs(
        ParamSpec(
            key="test.rate",
            label="rate",
            type="decimal",
            default=Decimal("0.10"),
            group="g",
            min_value=Decimal("0"),
            max_value=Decimal("1"),
        )
    )
    services.parameter_set(actor=admin, key="test.rate", value="0.25")
    assert ParameterValue.objects.get().value == "0.25"
    assert params.param_value("test.rate", organisation_id=branch.organisation_id) == Decimal("0.25")


@pytest.mark.parametrize(
    ("key", "value", "where", "message", "field"),
    [
        ("crm.dormant_days", 0, None, "值不能小于1。", "value"),
        ("crm.dormant_days", "soon", None, "Enter a whole number.", "value"),
        ("booking.slot_minutes", 25, None, "请从以下选项中选择：10、15、20、30、60。", "value"),
        (
            "sales.rounding",
            "cent",
            None,
            "Choose one of: To the fen (0.01)、To the jiao (0.10)、To the yuan (1.00).",
            "value",
        ),
        ("crm.dormant_days", 10, "foreign", "That branch does not exist.", "branch_id"),
        ("crm.dormant_days", 10, "missing", "That branch does not exist.", "branch_id"),
    ],
)
def test_parameter_set_refuses_bad_input_and_writes_nothing(
    admin, foreign_branch, key, value, where, message, field
):
    branch_id = {"foreign": foreign_branch.pk, "missing": -1, None: None}[where]
    with pytest.raises(ValidationError) as info:
        services.parameter_set(actor=admin, key=key, value=value, branch_id=branch_id)
    expected = gettext(message)
    if key == "sales.rounding":
        expected = gettext("Choose one of: %(choices)s.") % {
            "choices": "、".join(
                gettext(c) for c in ("To the fen (0.01)", "To the jiao (0.10)", "To the yuan (1.00)")
            )
        }
    assert (info.value.message, info.value.field) == (expected, field)
    assert ParameterValue.objects.count() == 0
    assert config_writes() == 0


def test_unknown_parameter_is_not_found(admin):
    with pytest.raises(NotFound):
        services.parameter_set(actor=admin, key="nope.nothing", value=1)
    with pytest.raises(NotFound):
        services.parameter_reset(actor=admin, key="nope.nothing")


def test_parameter_set_needs_the_spec_permission(branch, temp_specs):
    temp_specs(
        ParamSpec(
            key="test.secret",
            label="s",
            type="int",
            default=1,
            group="g",
            permission="configuration.delete_parametervalue",
        )
    )
    plain = config_user(branch, ["configuration.view_parametervalue", "configuration.change_parametervalue"])
    services.parameter_set(actor=plain, key="crm.dormant_days", value=30)
    with pytest.raises(PermissionDenied):
        services.parameter_set(actor=plain, key="test.secret", value=2)
    viewer = config_user(branch, ["configuration.view_parametervalue"])
    with pytest.raises(PermissionDenied):
        services.parameter_set(actor=viewer, key="crm.dormant_days", value=31)
    with pytest.raises(PermissionDenied):
        services.parameter_reset(actor=viewer, key="crm.dormant_days")
    assert list(ParameterValue.objects.values_list("key", "value")) == [("crm.dormant_days", 30)]


def test_branch_scoped_admin_may_override_only_the_active_branch(branch, other_branch):
    from medspa.accounts.choices import DataScope
    from tests.configuration.factories import ALL_PERMS

    manager = config_user(branch, ALL_PERMS, DataScope.BRANCH, branches=[branch, other_branch])
    services.parameter_set(actor=manager, key="crm.dormant_days", value=30, branch_id=branch.pk)
    with pytest.raises(ValidationError) as info:
        services.parameter_set(actor=manager, key="crm.dormant_days", value=30, branch_id=other_branch.pk)
    assert info.value.message == gettext("You may only change the branch you work in.")
    assert ParameterValue.objects.count() == 1


def test_parameter_reset(admin, branch):
    services.parameter_set(actor=admin, key="crm.dormant_days", value=90)
    services.parameter_set(actor=admin, key="crm.dormant_days", value=60, branch_id=branch.pk)
    services.parameter_reset(actor=admin, key="crm.dormant_days", branch_id=branch.pk)
    assert params.resolve("crm.dormant_days", branch_id=branch.pk) == (90, "organisation")
    event = AuditEvent.objects.filter(module="configuration").latest("pk")
    assert (event.action, event.object_id, event.branch_id, event.changes) == (
        "reset",
        "crm.dormant_days",
        branch.pk,
        {"value": [60, None]},
    )
    services.parameter_reset(actor=admin, key="crm.dormant_days")
    assert params.resolve("crm.dormant_days", branch_id=branch.pk) == (180, "default")
    assert ParameterValue.objects.count() == 0
    writes = config_writes()
    services.parameter_reset(actor=admin, key="crm.dormant_days")  # nothing there: nothing happens
    assert config_writes() == writes == 4


def test_reads_are_cached_and_a_change_is_visible_at_once(admin, branch, django_assert_num_queries):
    org = branch.organisation_id
    assert params.param_value("crm.dormant_days", organisation_id=org) == 180
    with django_assert_num_queries(0):
        assert params.param_value("crm.dormant_days", organisation_id=org) == 180
        assert params.param_value("crm.lost_days", organisation_id=org, branch_id=branch.pk) == 365
    services.parameter_set(actor=admin, key="crm.dormant_days", value=30)
    assert params.param_value("crm.dormant_days", organisation_id=org) == 30
    services.parameter_reset(actor=admin, key="crm.dormant_days")
    assert params.param_value("crm.dormant_days", organisation_id=org) == 180


def test_stored_value_that_no_longer_fits_falls_back_to_the_default(branch):
    ParameterValue.objects.create(organisation=branch.organisation, key="booking.slot_minutes", value=7)
    assert params.param_value("booking.slot_minutes", organisation_id=branch.organisation_id) == 30


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_commit_bumps_the_version_for_other_processes(admin, branch):
    org = branch.organisation_id
    assert params.param_value("crm.dormant_days", organisation_id=org) == 180
    version = cache.get(params._version_key(org))
    services.parameter_set(actor=admin, key="crm.dormant_days", value=45)
    assert cache.get(params._version_key(org)) != version
    assert not params._pending(org)
    assert params.param_value("crm.dormant_days", organisation_id=org) == 45


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_change_is_not_left_in_the_cache(admin, branch):
    org = branch.organisation_id

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        row = ParameterValue.objects.create(organisation_id=org, key="crm.dormant_days", value=5)
        params.invalidate_on_commit(org)
        assert params.param_value("crm.dormant_days", organisation_id=org) == 5  # our own change
        raise Boom
    assert not ParameterValue.objects.filter(pk=row.pk).exists()
    assert params.param_value("crm.dormant_days", organisation_id=org) == 180
