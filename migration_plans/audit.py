"""Programme objects in the audit history: approvals, RAG overrides and item state changes included."""

from auditlog.registry import auditlog

from migration_plans import models as m

for model in (m.Programme, m.BudgetLine, m.SavingsForecast, m.Wave, m.WaveWindow, m.WaveItem):
    auditlog.register(model, exclude_fields=["created", "last_updated"])
