"""Schedules and blackout windows are recorded in the audit history (jobs have their own log)."""

from auditlog.registry import auditlog

from estate.models import BlackoutWindow, Schedule

auditlog.register(Schedule, exclude_fields=["created", "last_updated"])
auditlog.register(BlackoutWindow, exclude_fields=["created", "last_updated"])
