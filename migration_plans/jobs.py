"""The playbook job: inventory from a wave's items → ansible-runner → events stored in bulk → item states move →
a re-discovery of the touched devices verifies the change."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from discovery.choices import HostResultActionChoices
from discovery.models import DiscoveryRun, HostKey
from estate.choices import JobLogLevelChoices, JobStatusChoices
from estate.jobs import JobFailed, JobRunner
from estate.jobs.runner import job_finished
from estate.models import JobLogEntry
from migration_plans.choices import ItemStateChoices, PlaybookChoices
from migration_plans.models import PlaybookEvent, PlaybookRun, WaveItem
from migration_plans.runner import (
    Credentials,
    HostSpec,
    build_private_data_dir,
    host_name_for,
    run_playbook,
    summarise_event,
)

EVENT_FLUSH_EVERY = 500
EVENT_FLUSH_SECONDS = 0.5

# What a successful (non-check) run means for an item; a failed or unreachable host always fails its item.
SUCCESS_STATE = {
    PlaybookChoices.PRECHECK: ItemStateChoices.READY,
    PlaybookChoices.CAPTURE: None,  # evidence only
    PlaybookChoices.DECOMMISSION: ItemStateChoices.VALIDATED,
    PlaybookChoices.DESKTOP_HANDOVER: ItemStateChoices.VALIDATED,
    PlaybookChoices.TELEPHONY_CUTOVER: ItemStateChoices.VALIDATED,
    PlaybookChoices.VALIDATE: ItemStateChoices.VALIDATED,
}
# The path an item walks to reach a state (the state machine allows no jumps).
PATH = [ItemStateChoices.PLANNED, ItemStateChoices.READY, ItemStateChoices.IN_PROGRESS, ItemStateChoices.VALIDATED,
        ItemStateChoices.DONE]


def _makes_the_change(playbook: str) -> bool:
    """True for playbooks whose success is past "in progress" (the change itself); False for prechecks and captures."""
    target = SUCCESS_STATE.get(playbook)
    return target is not None and PATH.index(target) > PATH.index(ItemStateChoices.IN_PROGRESS)


class PlaybookJob(JobRunner):
    kind = "playbook"
    time_limit = 2 * 3600

    def run(self, *, playbook_run_id: int, **_: Any) -> dict:
        from migration_plans.services import wave_item_walk

        run = PlaybookRun.objects.select_related("wave", "credential").get(pk=playbook_run_id)
        if not run.wave.is_approved:
            raise JobFailed("The wave is not approved: playbooks cannot run.")
        items = list(WaveItem.objects.filter(pk__in=run.item_ids).select_related("device"))
        # The credential's login name goes into the inventory (ansible_user); without it ssh logs in as whoever
        # runs the worker.
        user = (run.credential.username or None) if run.credential is not None else None
        hosts, by_host = self._hosts(items, user=user)
        if not hosts:
            raise JobFailed("None of the selected items is a device with an IP address to run against.")
        credentials = self._credentials(run)
        base = Path(settings.VAR_DIR) / "playbook-runs"
        pdd = build_private_data_dir(base, playbook=run.playbook, hosts=hosts, extravars=run.extravars,
                                     check=run.check_mode, credentials=credentials,
                                     connect_timeout=10)
        del credentials
        self.log(f"Running {run.playbook} on {len(hosts)} host(s){' in check mode' if run.check_mode else ''}",
                 hosts=[h.name for h in hosts])
        self.progress(0, len(hosts) + 1)  # a cancel requested before the start stops here, with no item moved
        if not run.check_mode and _makes_the_change(run.playbook):
            # A precheck (success: ready) or a capture only looks: its items stay where they are while it runs.
            for item in by_host.values():
                wave_item_walk(item=item, to_state=ItemStateChoices.IN_PROGRESS, allow_from_failed=True)
        self._events: list[PlaybookEvent] = []
        self._last_flush = time.monotonic()
        self._hosts_done: set[str] = set()
        try:
            result = run_playbook(pdd, event_handler=lambda e: self._on_event(run, e),
                                  cancel_callback=self._poll, timeout=self.job.time_limit)
        except BaseException:
            # Never leave items "in progress" behind a run that crashed: they fail, and say why.
            if not run.check_mode:
                self._fail_items(by_host, f"{run.playbook}: the run could not complete (see job #{self.job.pk})")
            raise
        self._flush_events()
        host_stats = {name: {k: getattr(r, k) for k in ("ok", "changed", "failed", "unreachable", "skipped")}
                      | {"status": r.status, "messages": r.messages[:5]} for name, r in result.hosts.items()}
        run.host_stats = host_stats
        run.reported = {name: r.estate for name, r in result.hosts.items() if r.estate} | (
            {"_run": result.set_stats} if result.set_stats else {})
        run.save(update_fields=["host_stats", "reported"])
        interrupted = {"canceled": "cancelled", "timeout": "timed out"}.get(result.status)
        moved = self._move_items(run, by_host, result.hosts, interrupted=interrupted)
        self.progress(len(hosts) + 1)
        if result.status == "canceled":
            self.check_cancelled()
            raise JobFailed("The run was cancelled.")
        if result.status == "timeout":
            raise JobFailed(f"The run timed out after {self.job.time_limit} s.")
        failed = [n for n, r in result.hosts.items() if r.status in ("failed", "unreachable")]
        summary = {"status": result.status, "rc": result.rc, "events": result.event_count, "hosts": host_stats,
                   "items": moved, "duration": round(result.duration, 1)}
        if not run.check_mode and SUCCESS_STATE.get(run.playbook) == ItemStateChoices.VALIDATED:
            verified = [by_host[n] for n, r in result.hosts.items() if r.status in ("ok", "changed") and n in by_host]
            if verified:
                summary["verification_run"] = self._verify(run, verified)
        if failed:
            raise JobFailed(f"{len(failed)} of {len(hosts)} host(s) failed or were unreachable: "
                            + ", ".join(sorted(failed)[:20]))
        return summary

    # --- inventory and credentials ---

    def _hosts(self, items: list[WaveItem], *, user: str | None = None) -> tuple[list[HostSpec], dict[str, WaveItem]]:
        hosts, by_host, taken = [], {}, set()
        addresses = {i.device.management_ip or i.device.primary_ip for i in items if i.device_id}
        keys = {}
        for key in HostKey.objects.filter(address__in=[a for a in addresses if a]):
            keys.setdefault(key.address, []).append(key)
        for item in items:
            device = item.device
            if device is None:
                self.log(f"{item}: an application, not a host — skipped", level=JobLogLevelChoices.WARNING)
                continue
            address = device.management_ip or device.primary_ip
            if not address:
                self.log(f"{device}: no IP address — skipped", level=JobLogLevelChoices.WARNING)
                continue
            recorded = keys.get(address, [])
            if not recorded:
                self.log(f"{device}: no SSH host key recorded by discovery; strict checking will refuse it",
                         level=JobLogLevelChoices.WARNING)
            port = recorded[0].port if recorded else 22
            name = host_name_for(device.name, device.pk, taken)  # Ansible's output names the device
            hosts.append(HostSpec(name=name, address=address, port=port,
                                  user=user, host_public_keys=[k.public_key for k in recorded if k.public_key],
                                  variables={"estate_device_id": device.pk, "estate_item_id": item.pk}))
            by_host[name] = item
        return hosts, by_host

    def _credentials(self, run: PlaybookRun) -> Credentials:
        if run.credential is None:
            return Credentials()
        secrets = run.credential.secrets()
        return Credentials(private_key=secrets.get("private_key"), key_passphrase=secrets.get("passphrase"),
                           password=secrets.get("password"))

    # --- events ---

    def _on_event(self, run: PlaybookRun, event: dict) -> bool:
        record = summarise_event(event)
        if record["counter"] is None:
            return True
        created = record.get("created")
        try:
            when = datetime.fromisoformat(created) if created else timezone.now()
        except ValueError:
            when = timezone.now()
        if timezone.is_naive(when):
            when = timezone.make_aware(when, timezone.utc)
        self._events.append(PlaybookEvent(
            run=run, counter=record["counter"], event=record["event"][:50], host=(record["host"] or "")[:255],
            task=(record["task"] or "")[:255], status=(record["status"] or "")[:20], stdout=record["stdout"],
            created=when,
        ))
        if record["event"] in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable") and record["host"]:
            self._hosts_done.add(record["host"])
        if len(self._events) >= EVENT_FLUSH_EVERY or time.monotonic() - self._last_flush > EVENT_FLUSH_SECONDS:
            self._flush_events()
        return True

    def _poll(self) -> bool:
        """Called by runner about once a second, events or not: store what is buffered (the live page shows the task
        a long-running host is on, not only once its next event arrives) and say whether to stop."""
        if self._events and time.monotonic() - self._last_flush > EVENT_FLUSH_SECONDS:
            self._flush_events()
        return self.should_stop

    def _flush_events(self) -> None:
        if self._events:
            PlaybookEvent.objects.bulk_create(self._events, batch_size=EVENT_FLUSH_EVERY, ignore_conflicts=True)
            self._events = []
        self._last_flush = time.monotonic()
        from estate.models import Job

        Job.objects.filter(pk=self.job.pk).update(heartbeat=timezone.now(),
                                                  progress_done=min(len(self._hosts_done), 10**6))

    # --- results ---

    def _fail_items(self, by_host: dict[str, WaveItem], message: str) -> None:
        from migration_plans.services import wave_item_walk

        for item in by_host.values():
            with transaction.atomic():
                item.refresh_from_db()
                wave_item_walk(item=item, to_state=ItemStateChoices.FAILED, result=message)

    def _move_items(self, run: PlaybookRun, by_host: dict[str, WaveItem], results: dict,
                    interrupted: str | None = None) -> dict[str, int]:
        """Items of hosts that failed, were unreachable or never finished (a cancelled or timed-out run) fail;
        the others move to the playbook's success state (none in check mode)."""
        from migration_plans.services import wave_item_walk

        moved = {"ok": 0, "failed": 0}
        for name, item in by_host.items():
            r = results.get(name)
            status = r.status if r else "unreachable"
            message = "; ".join(r.messages[:2]) if r and r.messages else status
            if interrupted and status == "unknown":
                status, message = interrupted, f"the run was {interrupted} before this host finished"
            label = f"{run.playbook}{' (check mode)' if run.check_mode else ''}: {status}"
            with transaction.atomic():
                item.refresh_from_db()
                if run.check_mode:
                    WaveItem.objects.filter(pk=item.pk).update(last_result=f"{label} {message}"[:500])
                    continue
                if status in ("failed", "unreachable", "unknown", "cancelled", "timed out"):
                    wave_item_walk(item=item, to_state=ItemStateChoices.FAILED, result=f"{label}: {message}")
                    moved["failed"] += 1
                else:
                    target = SUCCESS_STATE.get(run.playbook)
                    if target:
                        # a host that failed last time and passes now moves on (e.g. a precheck re-run after a fix)
                        wave_item_walk(item=item, to_state=target, result=label, allow_from_failed=True)
                    else:
                        WaveItem.objects.filter(pk=item.pk).update(last_result=label[:500])
                    moved["ok"] += 1
        return moved

    def _verify(self, run: PlaybookRun, items: list[WaveItem]) -> int | None:
        """Ask discovery to re-discover the touched devices; when that run ends, verification_finished moves the
        validated items that answered to done."""
        from discovery.services import discovery_run_start

        addresses = [i.device.management_ip or i.device.primary_ip for i in items]
        device = items[0].device
        port = HostKey.objects.filter(address=addresses[0]).values_list("port", flat=True).first()
        discovery = discovery_run_start(
            site=device.site, targets="\n".join(f"{a}:{port}" if port else a for a in addresses),
            credential_ids=[run.credential_id] if run.credential_id else [], user=self.job.user,
            started_by=f"playbook-run:{run.pk}", extra={VERIFY_ITEMS: [i.pk for i in items]},
        )
        self.log(f"Verifying with discovery run #{discovery.pk}")
        return discovery.pk


VERIFY_ITEMS = "verify_items"  # the discovery job argument naming the wave items its run verifies


@receiver(job_finished, dispatch_uid="migration_plans.verification_finished")
def verification_finished(sender, *, job, **_: Any) -> None:
    """A discovery job this app asked for has ended: move the wave items it was to verify (discovery itself knows
    nothing of waves)."""
    from migration_plans.services import wave_items_verify

    item_ids = (job.kwargs or {}).get(VERIFY_ITEMS) if job.kind == "discovery" else None
    if not item_ids:
        return
    run = DiscoveryRun.objects.filter(job=job).first()
    if run is not None and run.dry_run:
        return
    answered: set[int] = set()
    if run is not None and job.status in (JobStatusChoices.COMPLETED, JobStatusChoices.FAILED):
        answered = set(run.host_results.filter(reachable=True, device__isnull=False)
                       .exclude(action=HostResultActionChoices.FAILED).values_list("device_id", flat=True))
    label = f"discovery run #{run.pk}" if run is not None else f"discovery job #{job.pk}"
    warnings = wave_items_verify(item_ids=item_ids, answered_device_ids=answered, run_label=label)
    JobLogEntry.objects.bulk_create([JobLogEntry(job=job, level=JobLogLevelChoices.WARNING, message=w)
                                     for w in warnings])
