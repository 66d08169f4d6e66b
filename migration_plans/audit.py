"""Programme objects in the audit history: approvals, RAG overrides and item state changes included."""

from auditlog.registry import auditlog

from migration_plans import models as m


def _reverse_relations(model) -> list[str]:
    # auditlog would otherwise record reverse relations (a wave's "items", "windows", "playbook_runs") as fields:
    # noise in every entry, and a key named "items" breaks `changes_dict.items` in the history template.
    return [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]


for model in (m.Programme, m.BudgetLine, m.SavingsForecast, m.Wave, m.WaveWindow, m.WaveItem):
    auditlog.register(model, exclude_fields=["created", "last_updated", *_reverse_relations(model)])
