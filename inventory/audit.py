"""Every inventory model is recorded in the audit history (django-auditlog)."""

from auditlog.registry import auditlog

from inventory import models as m

for model in (m.Site, m.Location, m.Manufacturer, m.HardwareModel, m.Platform, m.Tag, m.Interface, m.IPAddress,
              m.InstalledSoftware, m.Dependency):
    auditlog.register(model, exclude_fields=["created", "last_updated"])
# last_seen is a sighting that changes on every discovery run, not a change anyone needs in the history.
auditlog.register(m.Device, exclude_fields=["created", "last_updated", "last_seen"], m2m_fields={"tags"})
auditlog.register(m.Application, exclude_fields=["created", "last_updated"], m2m_fields={"devices", "tags"})
# Lifecycle catalogue and policies are audited; findings are derived data, recomputed by a logged job instead.
for model in (m.LifecycleProduct, m.LifecycleCycle, m.HardwareNotice, m.VersionMapping, m.LifecyclePolicy):
    auditlog.register(model, exclude_fields=["created", "last_updated"])
# A proposal's decision (accepted / rejected, by whom) is history; provenance follows the audited device change.
auditlog.register(m.ProposedChange, include_fields=["status", "decided_by", "decided_at"])
