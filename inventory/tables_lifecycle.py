"""List-page tables for the lifecycle catalogue, policies and findings."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from estate.tables import EstateTable
from inventory.choices import SupportStatusChoices
from inventory.models import Finding, HardwareNotice, LifecycleCycle, LifecyclePolicy, LifecycleProduct, VersionMapping

SUPPORT_RAG = {SupportStatusChoices.SUPPORTED: "green", SupportStatusChoices.SECURITY_ONLY: "amber",
               SupportStatusChoices.EXTENDED_ONLY: "red", SupportStatusChoices.UNSUPPORTED: "red",
               SupportStatusChoices.UNKNOWN: "blue"}


def support_badge(status: str) -> str:
    label = SupportStatusChoices(status).label if status in SupportStatusChoices.values else status
    return format_html('<span class="rag rag-{}">{}</span>', SUPPORT_RAG.get(status, "blue"), label)


class SupportStatusColumn(tables.Column):
    """The support phase as a coloured badge (plain text in exports)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", "Support")
        super().__init__(**kwargs)

    def render(self, value, record=None, bound_column=None):
        status = getattr(record, bound_column.accessor, None) if record is not None and bound_column else None
        return support_badge(status or value)

    def value(self, value, record=None, bound_column=None):
        return value


class LifecycleProductTable(EstateTable):
    name = tables.Column(linkify=True)
    cycle_count = tables.Column(verbose_name="Cycles")

    class Meta(EstateTable.Meta):
        model = LifecycleProduct
        fields = ("pk", "name", "slug", "kind", "vendor", "origin", "cycle_count", "checked", "source")
    default_columns = ("name", "slug", "kind", "vendor", "origin", "cycle_count", "checked")


class LifecycleCycleTable(EstateTable):
    label = tables.Column(linkify=True, verbose_name="Cycle")
    product = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = LifecycleCycle
        fields = ("pk", "label", "product", "cycle", "release_date", "end_of_active_support",
                  "end_of_security_support", "security_support_ended", "extended_support", "end_of_extended_support",
                  "lts", "latest", "confidence", "origin", "source")
    default_columns = ("label", "product", "release_date", "end_of_security_support", "end_of_extended_support",
                       "lts", "confidence", "origin")


class HardwareNoticeTable(EstateTable):
    model = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = HardwareNotice
        fields = ("pk", "model", "manufacturer", "kind", "end_of_sale", "end_of_sale_passed", "end_of_support",
                  "end_of_support_passed", "replacement", "confidence", "origin", "source")
    default_columns = ("model", "manufacturer", "kind", "end_of_sale", "end_of_support", "replacement", "confidence",
                       "origin")


class VersionMappingTable(EstateTable):
    version = tables.Column(linkify=True, verbose_name="Version text")
    platform = tables.Column(linkify=True)
    cycle = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = VersionMapping
        fields = ("pk", "version", "platform", "cycle", "notes", "last_updated")

    def render_version(self, value, record):
        return value or "(no version text)"


class LifecyclePolicyTable(EstateTable):
    name = tables.Column(linkify=True)
    platform = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = LifecyclePolicy
        fields = ("pk", "name", "rule", "device_kind", "platform", "minimum_version", "years", "days", "severity",
                  "enabled", "notes")


class FindingTable(EstateTable):
    device = tables.Column(linkify=True)
    site = tables.Column(accessor="device__site", linkify=True, verbose_name="Site", order_by="device__site__name")
    kind = tables.Column(accessor="device__kind", verbose_name="Kind")
    source = tables.Column(accessor="evidence", verbose_name="Source", orderable=False)

    class Meta(EstateTable.Meta):
        model = Finding
        fields = ("pk", "device", "site", "kind", "reason", "severity", "effective_date", "detail", "source",
                  "created", "last_updated")
    default_columns = ("device", "site", "kind", "reason", "severity", "effective_date", "detail", "source")

    def render_kind(self, value, record):
        return record.device.get_kind_display()

    def render_source(self, value):
        url = (value or {}).get("source") or ""
        if url.startswith(("http://", "https://")):
            return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">source</a>', url)
        return "—"

    def value_source(self, value):
        return (value or {}).get("source") or ""
