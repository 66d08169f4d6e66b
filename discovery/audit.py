"""Discovery objects in the audit history. Secrets never: the encrypted blob is excluded."""

from auditlog.registry import auditlog

from discovery import models as m

auditlog.register(m.Credential, exclude_fields=["created", "last_updated", "secret_data"])
auditlog.register(m.CredentialSet, exclude_fields=["created", "last_updated"])
auditlog.register(m.Scope, exclude_fields=["created", "last_updated"], m2m_fields={"credential_sets"})
auditlog.register(m.HostKey, exclude_fields=["created", "last_updated"])
auditlog.register(m.DirectorySource,
                  exclude_fields=["created", "last_updated", "secret_data", "last_synced", "last_summary"])
auditlog.register(m.ClassificationRule, exclude_fields=["created", "last_updated"])
