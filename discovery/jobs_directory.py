"""The directory sync job: read every computer (paged LDAP search) → parse → reconcile in batches → mark vanished.

The whole directory is read before anything is written: a read that fails half-way (server gone, TLS, a bad base
DN) changes nothing, and only a complete read may mark the computers it did not return as vanished. Parsed
computers are small (a few hundred bytes each), so 50,000 of them fit in memory comfortably.

Outcomes: "failed" (JobFailed) when the directory cannot be read (unreachable, bind refused, bad base DN, TLS);
"errored" for a bug; "completed" with a summary otherwise, even when some computers failed to reconcile.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from discovery.collectors.ldap import DirectoryError, LdapSettings, ldap_computers
from discovery.models_directory import DirectorySource
from discovery.parsers.directory import DirectoryComputer, parse_computer
from discovery.reconcile import reference_cache_clear
from discovery.secrets import SecretsError
from discovery.services_directory import (
    SYNC_KIND,
    SyncPlan,
    directory_batch_apply,
    directory_source_synced,
    directory_vanished_mark,
)
from estate.choices import JobLogLevelChoices
from estate.jobs import JobFailed, JobRunner
from inventory.models import Site

BATCH = 200  # computers per transaction (SQLite) and per progress update
# Settings given on the command line (with the password) live only in this process's memory, keyed by job id.
EPHEMERAL_SOURCES: dict[int, tuple[LdapSettings, int]] = {}  # job id -> (settings, site id)


class DirectorySyncJob(JobRunner):
    kind = SYNC_KIND
    time_limit = 2 * 3600

    def run(self, *, source_id: int | None = None, dry_run: bool = False, **_: Any) -> dict:
        """A stored source (source_id: "Sync now", a schedule, the API, `discover_ad --source`) or an ad hoc one
        (`discover_ad --server ...`: its settings in EPHEMERAL_SOURCES)."""
        reference_cache_clear()
        source, ldap_settings, plan = self._setup(source_id)
        label = source.name if source else ", ".join(ldap_settings.urls)
        self.log(f"Reading computers from {label} under {'; '.join(ldap_settings.base_dns)}"
                 f"{' — dry run' if dry_run else ''}")
        self.progress(0, 0)
        computers = self._read(ldap_settings)
        self.log(f"Read {len(computers)} computer objects; reconciling")
        self.progress(0, len(computers))
        summary = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0, "disabled": 0, "vanished": 0}
        hosts: list[dict[str, Any]] = []
        now = timezone.now()
        for start in range(0, len(computers), BATCH):
            batch = computers[start:start + BATCH]
            for result in directory_batch_apply(computers=batch, plan=plan, dry_run=dry_run, now=now):
                summary[result["action"]] = summary.get(result["action"], 0) + 1
                summary["disabled"] += int(result["disabled"])
                if result["error"]:
                    self.log(f"{result['name']}: {result['error'][:300]}", level=JobLogLevelChoices.WARNING)
                hosts.append(result)
            self.progress(min(start + BATCH, len(computers)))
        if not dry_run:
            gone = directory_vanished_mark(plan=plan, seen_dns={c.dn.lower() for c in computers}, now=now)
            summary["vanished"] = len(gone)
            for row in gone[:200]:
                self.log(f"{row.name}: no longer in the directory (marked vanished; its device is kept)",
                         level=JobLogLevelChoices.WARNING)
            if source is not None:
                directory_source_synced(source=source, summary=summary, now=now)
        self.log("Summary: " + ", ".join(f"{n} {k}" for k, n in summary.items()))
        touched = [h["device_id"] for h in hosts if h.get("device_id")]
        if touched and not dry_run:
            from inventory.services_findings import findings_evaluate

            findings = findings_evaluate(device_ids=touched)
            self.log(f"Lifecycle findings re-evaluated for {len(set(touched))} device(s)", summary=str(findings)[:500])
        return {"source_id": source.pk if source else None, "summary": summary, "hosts": hosts, "dry_run": dry_run}

    def _setup(self, source_id: int | None) -> tuple[DirectorySource | None, LdapSettings, SyncPlan]:
        ephemeral = EPHEMERAL_SOURCES.pop(self.job.pk, None)
        if ephemeral is not None:
            ldap_settings, site_id = ephemeral
            site = Site.objects.filter(pk=site_id).first()
            if site is None:
                raise JobFailed("The site of this run no longer exists.")
            return None, ldap_settings, SyncPlan(default_site=site)
        source = DirectorySource.objects.select_related("site").filter(pk=source_id).first() if source_id else None
        if source is None:
            raise JobFailed("The directory source of this run no longer exists (or the command-line settings were "
                            "lost with the process that held them).")
        try:
            password = source.password()
        except SecretsError as exc:
            raise JobFailed(f"{source}: {exc}") from exc
        ldap_settings = LdapSettings(
            urls=tuple(source.urls), bind_user=source.bind_user, password=password, base_dns=tuple(source.bases),
            filter=source.ldap_filter, ca_data=source.ca_bundle or None, verify=source.verify_tls,
            no_tls=source.no_tls, tls_server_name=source.tls_server_name or None)
        if source.no_tls:
            self.log(f"{source}: plain bind without TLS (the source allows it: labs and tests only)",
                     level=JobLogLevelChoices.WARNING)
        return source, ldap_settings, SyncPlan.for_source(source)

    def _read(self, ldap_settings: LdapSettings) -> list[DirectoryComputer]:
        computers: list[DirectoryComputer] = []
        skipped = 0
        try:
            for n, attrs in enumerate(ldap_computers(ldap_settings), start=1):
                computer = parse_computer(attrs)
                if computer is None:
                    skipped += 1
                else:
                    computers.append(computer)
                if n % 1000 == 0:
                    self.check_cancelled()
        except DirectoryError as exc:
            raise JobFailed(f"Cannot read the directory: {exc}") from exc
        if skipped:
            self.log(f"{skipped} entries without a usable name or DN were skipped", level=JobLogLevelChoices.WARNING)
        return computers
