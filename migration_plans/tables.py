"""List-page tables for programmes, budgets, waves, items and playbook runs."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from estate.tables import EstateTable
from migration_plans import selectors
from migration_plans.models import BudgetLine, PlaybookRun, Programme, SavingsForecast, Wave, WaveItem, WaveWindow


class ProgrammeTable(EstateTable):
    name = tables.Column(linkify=True)
    wave_count = tables.Column(verbose_name="Waves")

    class Meta(EstateTable.Meta):
        model = Programme
        fields = ("pk", "name", "owner", "start_date", "end_date", "wave_count", "description")


class BudgetLineTable(EstateTable):
    description = tables.Column(linkify=True)
    programme = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = BudgetLine
        fields = ("pk", "description", "programme", "financial_year", "category", "planned", "actual")


class SavingsForecastTable(EstateTable):
    description = tables.Column(linkify=True)
    programme = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = SavingsForecast
        fields = ("pk", "description", "programme", "financial_year", "forecast", "realised")


class WaveTable(EstateTable):
    name = tables.Column(linkify=True)
    programme = tables.Column(linkify=True)
    rag = tables.Column(verbose_name="RAG", empty_values=(), orderable=False)
    progress = tables.Column(verbose_name="Progress", empty_values=(), orderable=False)
    approved_at = tables.Column(verbose_name="Approved")

    class Meta(EstateTable.Meta):
        model = Wave
        fields = ("pk", "name", "programme", "kind", "status", "rag", "progress", "owner", "planned_start",
                  "planned_end", "approved_at")

    def render_rag(self, record):
        rag = selectors.wave_rag(record)
        exception = format_html(' <span class="badge text-bg-warning border border-dark" title="{}">Exception</span>',
                                " ".join(rag.exceptions)) if rag.exceptions else ""
        return format_html('<span class="rag rag-{}" title="{}">{}</span>{}', rag.value, rag.reason, rag.label,
                           exception)

    def value_rag(self, record):
        return selectors.wave_rag(record).value

    def render_progress(self, record):
        p = selectors.wave_progress(record)
        return f"{p.done}/{p.total} ({p.percent}%)"

    def value_progress(self, record):
        return selectors.wave_progress(record).percent


class WaveWindowTable(EstateTable):
    id = tables.Column(linkify=True, verbose_name="ID")
    wave = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = WaveWindow
        fields = ("pk", "id", "wave", "kind", "start", "end", "reason")


class WaveItemTable(EstateTable):
    id = tables.Column(linkify=True, verbose_name="ID")
    wave = tables.Column(linkify=True)
    device = tables.Column(linkify=True)
    application = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = WaveItem
        fields = ("pk", "id", "wave", "device", "application", "strategy", "state", "target_provider",
                  "target_region", "target_size", "target_product", "target_hardware_model", "last_result")
    default_columns = ("id", "wave", "device", "application", "strategy", "state", "last_result")


class PlaybookRunTable(EstateTable):
    id = tables.Column(linkify=True, verbose_name="ID")
    wave = tables.Column(linkify=True)
    status = tables.Column(accessor="job__status", verbose_name="Status")

    class Meta(EstateTable.Meta):
        model = PlaybookRun
        fields = ("pk", "id", "playbook", "wave", "check_mode", "status", "created")
