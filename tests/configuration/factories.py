"""Factories of the configuration app (other apps' tests import them)."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from medspa.accounts.choices import DataScope
from medspa.accounts.models import RoleProfile, User
from medspa.configuration.choices import DictionaryKind
from medspa.configuration.models import DictionaryItem, VisitStage
from medspa.organization.models import Branch
from tests.factories import OrganisationFactory, UserFactory


class DictionaryItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DictionaryItem

    organisation = factory.SubFactory(OrganisationFactory)
    kind = DictionaryKind.PAYMENT_METHOD
    code = factory.Sequence(lambda n: f"item{n}")
    name = factory.Sequence(lambda n: f"条目{n}")
    order = factory.Sequence(lambda n: n * 10)


class VisitStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitStage

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"stage{n}")
    name = factory.Sequence(lambda n: f"阶段{n}")
    order = factory.Sequence(lambda n: n * 10)


def config_perms(model: str, *actions: str) -> list[str]:
    """``config_perms("visitstage", "view")`` → ``["configuration.view_visitstage"]``."""
    return [
        f"configuration.{action}_{model}"
        for action in actions or ("view", "add", "change", "delete", "export")
    ]


ALL_PERMS = [
    *config_perms("dictionaryitem"),
    *config_perms("visitstage"),
    *config_perms("parametervalue", "view", "export"),
    "configuration.change_parametervalue",
]


def config_user(
    branch: Branch,
    perms: list[str] | None = None,
    scope: DataScope = DataScope.ORGANISATION,
    *,
    branches: list[Branch] | None = None,
    **kwargs: object,
) -> User:
    """A user working in ``branch`` whose one-off role grants ``perms`` with data scope ``scope``."""
    user = UserFactory(branches=branches or [branch], perms=perms or [], **kwargs)
    group, _created = Group.objects.get_or_create(name=f"role-{user.username}")
    user.groups.add(group)
    RoleProfile.objects.create(group=group, data_scope=scope)
    return user
