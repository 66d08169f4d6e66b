"""List-page table for directory sources (values escaped by django-tables2)."""

from __future__ import annotations

import django_tables2 as tables

from discovery.models_directory import DirectorySource
from estate.tables import EstateTable


class DirectorySourceTable(EstateTable):
    name = tables.Column(linkify=True)
    site = tables.Column(linkify=True)
    server_urls = tables.Column(orderable=False, verbose_name="Servers")

    class Meta(EstateTable.Meta):
        model = DirectorySource
        fields = ("pk", "name", "site", "server_urls", "bind_user", "no_tls", "verify_tls", "disabled_status",
                  "last_synced", "description")
    default_columns = ("name", "site", "server_urls", "no_tls", "last_synced", "description")

    def render_server_urls(self, value):
        lines = value.split()
        return ", ".join(lines[:2]) + (f" (+{len(lines) - 2} more)" if len(lines) > 2 else "")

    def render_no_tls(self, value):
        return "Plain bind allowed" if value else "TLS"
