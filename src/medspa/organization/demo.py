from __future__ import annotations

from medspa.organization.models import Branch, Organisation


def seed() -> tuple[Organisation, list[Branch]]:
    """A demo clinic group with two branches."""
    organisation, _created = Organisation.objects.get_or_create(
        code="demo", defaults={"name": "演示医美集团"}
    )
    branches = []
    for code, name in (("main", "总院医学美容科"), ("east", "东区门店")):
        branch, _created = Branch.objects.get_or_create(
            organisation=organisation, code=code, defaults={"name": name}
        )
        branches.append(branch)
    return organisation, branches
