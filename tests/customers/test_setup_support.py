"""Helpers shared by the CRM setup tests (custom fields, member levels); no tests of its own."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from medspa.accounts.models import RoleProfile, User
from medspa.audit.models import AuditEvent
from medspa.customers.models import CustomField, MemberLevel
from medspa.organization.models import Branch
from tests.configuration.factories import config_user

FIELD_PERMS = [f"customers.{action}_customfield" for action in ("view", "add", "change", "delete")]
LEVEL_PERMS = [f"customers.{action}_memberlevel" for action in ("view", "add", "change", "delete", "export")]
ALL_PERMS = [*FIELD_PERMS, *LEVEL_PERMS, "accounts.view_roleprofile"]


def setup_user(branch: Branch, perms: list[str] | None = None, **kwargs: Any) -> User:
    """A user of ``branch`` whose one-off role grants ``perms`` (organisation scope)."""
    return config_user(branch, perms or [], **kwargs)


def writes() -> int:
    """Successful audit events of the customers module (denials are recorded as ``denied``)."""
    return AuditEvent.objects.filter(module="customers", result="success").count()


def rows(model: type) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


def state() -> tuple[Any, ...]:
    """Everything a refused CRM-setup write must leave alone."""
    roles = list(CustomField.editable_by.through.objects.order_by("pk").values_list("customfield", "group"))
    return rows(CustomField), roles, rows(MemberLevel), writes()


def organisation_role(branch: Branch, name: str) -> Group:
    """A role of ``branch``'s organisation (its own, not built in)."""
    group = Group.objects.create(name=name)
    RoleProfile.objects.create(group=group, organisation=branch.organisation)
    return group
