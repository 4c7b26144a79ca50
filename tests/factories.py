"""Factories shared by every app's tests (organisation, branches, users with roles)."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, Permission

from medspa.accounts.models import User
from medspa.organization.models import Branch, Organisation

PASSWORD = "Correct-Horse-9"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"机构{n}")


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"b{n}")
    name = factory.Sequence(lambda n: f"院区{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def branches(self, create: bool, extracted: list[Branch] | None, **kwargs: object) -> None:
        if create and extracted:
            self.branches.add(*extracted)
            self.default_branch = extracted[0]
            if self.organisation_id is None:
                self.organisation = extracted[0].organisation
        if create:
            self.save()

    @factory.post_generation
    def perms(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        """``perms=["accounts.view_apitoken"]`` grants through a one-off role (Group)."""
        if not (create and extracted):
            return
        group = Group.objects.create(name=f"role-{self.username}")
        for perm in extracted:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        self.groups.add(group)


def role_user(role_name: str, **kwargs: object) -> User:
    """A user holding one of the built-in roles."""
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role_name))
    return user
