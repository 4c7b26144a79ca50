from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medspa.accounts.models import ApiToken


class ApiTokenFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[("usable", _("Usable")), ("expired", _("Expired")), ("revoked", _("Revoked"))],
        method="filter_state",
        empty_label=_("All"),
    )

    class Meta:
        model = ApiToken
        fields: list[str] = []

    def search(self, queryset: QuerySet[ApiToken], name: str, value: str) -> QuerySet[ApiToken]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(prefix__startswith=value))

    def filter_state(self, queryset: QuerySet[ApiToken], name: str, value: str) -> QuerySet[ApiToken]:
        now = timezone.now()
        if value == "usable":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if value == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset
