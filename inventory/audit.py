"""Every inventory model is recorded in the audit history (django-auditlog)."""

from auditlog.registry import auditlog

from inventory import models as m

for model in (m.Site, m.Location, m.Manufacturer, m.HardwareModel, m.Platform, m.Tag, m.Interface, m.IPAddress,
              m.InstalledSoftware, m.Dependency):
    auditlog.register(model, exclude_fields=["created", "last_updated"])
auditlog.register(m.Device, exclude_fields=["created", "last_updated"], m2m_fields={"tags"})
auditlog.register(m.Application, exclude_fields=["created", "last_updated"], m2m_fields={"devices", "tags"})
