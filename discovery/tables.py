"""List-page tables for discovery. Every value from a device is rendered escaped (django-tables2 escapes)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from discovery.models import Credential, CredentialSet, DiscoveryRun, HostKey, Scope
from estate.jobs.tables import STATUS_CSS
from estate.tables import EstateTable


class CredentialTable(EstateTable):
    name = tables.Column(linkify=True)
    set_count = tables.Column(verbose_name="Sets")

    class Meta(EstateTable.Meta):
        model = Credential
        fields = ("pk", "name", "kind", "username", "security_level", "auth_protocol", "priv_protocol",
                  "description", "set_count")
    default_columns = ("name", "kind", "username", "security_level", "description", "set_count")


class CredentialSetTable(EstateTable):
    name = tables.Column(linkify=True)
    credential_count = tables.Column(verbose_name="Credentials")

    class Meta(EstateTable.Meta):
        model = CredentialSet
        fields = ("pk", "name", "description", "credential_count")


class ScopeTable(EstateTable):
    name = tables.Column(linkify=True)
    site = tables.Column(linkify=True)
    targets = tables.Column(orderable=False)

    class Meta(EstateTable.Meta):
        model = Scope
        fields = ("pk", "name", "site", "targets", "use_snmp", "use_ssh", "snmp_timeout", "snmp_retries",
                  "concurrency", "description")
    default_columns = ("name", "site", "targets", "use_snmp", "use_ssh", "description")

    def render_targets(self, value):
        lines = value.split()
        return ", ".join(lines[:3]) + (f" (+{len(lines) - 3} more)" if len(lines) > 3 else "")


class DiscoveryRunTable(EstateTable):
    id = tables.Column(linkify=True, verbose_name="Run")
    scope = tables.Column(linkify=True)
    site = tables.Column(linkify=True)
    status = tables.Column(accessor="job__status", verbose_name="Status")
    progress = tables.Column(accessor="job__progress_done", orderable=False, verbose_name="Hosts done")
    summary = tables.Column(orderable=False)

    class Meta(EstateTable.Meta):
        model = DiscoveryRun
        fields = ("pk", "id", "scope", "site", "targets", "dry_run", "status", "progress", "summary", "created")
    default_columns = ("id", "scope", "site", "dry_run", "status", "progress", "summary", "created")

    def render_status(self, record):
        return format_html('<span class="badge {}">{}</span>', STATUS_CSS.get(record.job.status, "text-bg-light"),
                           record.job.get_status_display())

    def value_status(self, record):
        return record.job.status

    def render_progress(self, record):
        return f"{record.job.progress_done} / {record.job.progress_total}"

    def render_summary(self, value):
        return ", ".join(f"{n} {k}" for k, n in value.items() if n) or "—"

    def render_targets(self, value):
        lines = value.split()
        return ", ".join(lines[:3]) + (f" (+{len(lines) - 3} more)" if len(lines) > 3 else "")


class HostKeyTable(EstateTable):
    address = tables.Column(linkify=True)
    device = tables.Column(linkify=True)
    changed = tables.Column(accessor="mismatch_fingerprint", verbose_name="Changed key", orderable=False)

    class Meta(EstateTable.Meta):
        model = HostKey
        fields = ("pk", "address", "port", "device", "key_type", "fingerprint", "changed", "first_seen",
                  "mismatch_seen")
    default_columns = ("address", "port", "device", "key_type", "fingerprint", "changed", "first_seen")

    def render_changed(self, value):
        return format_html('<span class="badge text-bg-danger">Changed: {}</span>', value)
