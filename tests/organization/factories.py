"""Factories of the organisation app (other apps' tests import them)."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from medspa.accounts.choices import DataScope
from medspa.accounts.models import RoleProfile, User
from medspa.organization.models import Branch, Department, Position, Staff
from tests.factories import BranchFactory, OrganisationFactory, UserFactory


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    branch = factory.SubFactory(BranchFactory)
    code = factory.Sequence(lambda n: f"d{n}")
    name = factory.Sequence(lambda n: f"科室{n}")


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"p{n}")
    name = factory.Sequence(lambda n: f"职位{n}")


class StaffFactory(factory.django.DjangoModelFactory):
    """``StaffFactory(branch=b, positions=[p1, p2])``; the organisation follows the branch."""

    class Meta:
        model = Staff
        skip_postgeneration_save = True

    branch = factory.SubFactory(BranchFactory)
    organisation = factory.LazyAttribute(lambda o: o.branch.organisation)
    employee_no = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"职员{n}")

    @factory.post_generation
    def positions(self, create: bool, extracted: list[Position] | None, **kwargs: object) -> None:
        if create and extracted:
            self.positions.set(extracted)


def scoped_user(
    branch: Branch,
    perms: list[str] | None = None,
    scope: DataScope = DataScope.BRANCH,
    *,
    branches: list[Branch] | None = None,
    staff: Staff | None = None,
    **kwargs: object,
) -> User:
    """A user working in ``branch`` whose one-off role grants ``perms`` with data scope ``scope``."""
    user = UserFactory(branches=branches or [branch], perms=perms or [], **kwargs)
    group, _created = Group.objects.get_or_create(name=f"role-{user.username}")
    user.groups.add(group)
    RoleProfile.objects.create(group=group, data_scope=scope)
    if staff is not None:
        user.staff = staff
        user.save(update_fields=["staff"])
    return user


def model_perms(model: str, *actions: str) -> list[str]:
    """``model_perms("staff", "view", "add")`` → ``["organization.view_staff", "organization.add_staff"]``."""
    return [
        f"organization.{action}_{model}"
        for action in actions or ("view", "add", "change", "delete", "export")
    ]
