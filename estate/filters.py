"""Filters that refuse, with a clear 400, values PostgreSQL cannot hold (SQLite would silently accept them)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

MAX_UTC_OFFSET = timedelta(hours=14)  # the largest offset any real time zone uses
MAX_ID = 2**63 - 1  # the largest primary key a BigAutoField holds: a larger one overflows the query


class BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value):
        result = super().to_python(value)
        if result is not None:
            offset = result.utcoffset()
            if offset is not None and abs(offset) > MAX_UTC_OFFSET:
                raise ValidationError("The time zone offset must be within ±14:00.")
            if result.year < 1900 or result.year > 9000:
                raise ValidationError("Give a date between 1900 and 9000.")
        return result


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class BoundedDateTimeField(forms.DateTimeField):
    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and (result.year < 1900 or result.year > 9000):
            raise ValidationError("Give a date between 1900 and 9000.")
        return result


class BoundedDateTimeFilter(django_filters.DateTimeFilter):
    field_class = BoundedDateTimeField


class IPAddressValueField(forms.CharField):
    """An IP address typed into a filter; anything else is a validation error, not a database error."""

    def to_python(self, value):
        value = super().to_python(value).strip()
        if value:
            try:
                ipaddress.ip_address(value)
            except ValueError as exc:
                raise ValidationError("Enter a valid IPv4 or IPv6 address.") from exc
        return value


class IPAddressFilter(django_filters.CharFilter):
    field_class = IPAddressValueField


class SearchFilterSet(django_filters.FilterSet):
    """A FilterSet with a free-text `q` over `search_fields`."""

    q = django_filters.CharFilter(method="search", label="Search")
    search_fields: tuple[str, ...] = ("name__icontains",)

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        query = Q()
        for lookup in self.search_fields:
            query |= Q(**{lookup: value})
        return queryset.filter(query)
