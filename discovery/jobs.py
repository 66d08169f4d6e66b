"""The discovery job: expand the scope → collect (SNMP, SSH; bounded, concurrent) → parse → classify → reconcile."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import socket
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from discovery.choices import (
    CredentialKindChoices,
    DiscoveryMethodChoices,
    DiscoveryModeChoices,
    HostResultActionChoices,
)
from discovery.classify import classify, load_rules
from discovery.collectors.snmp import SnmpV2cCredential, SnmpV3Credential, snmp_identify, snmp_inventory
from discovery.collectors.ssh import SshCredential, ssh_collect
from discovery.facts import HostFacts, facts_to_dict
from discovery.models import Credential, DeviceAccess, DiscoveryRun, HostKey, HostResult
from discovery.parsers import merge_facts, parse_snmp, parse_ssh
from discovery.raw import SnmpReply, SshReply
from discovery.reconcile import batch_flush, host_keys, host_reconcile, reference_cache_clear
from discovery.services import DEFAULT_RUN_OPTIONS, host_key_record
from discovery.targets import AddressRanges, Target, TargetError, parse_and_expand, parse_targets, reserved_reason
from estate.background import Emit, background_batches
from estate.choices import JobLogLevelChoices
from estate.jobs import JobFailed, JobRunner
from inventory.choices import DiscoverySourceChoices
from inventory.matching import MatchIndex, match_index_build

# Credentials given on the command line live only in this process's memory, keyed by job id: never stored.
EPHEMERAL_CREDENTIALS: dict[int, list[Any]] = {}

HOST_BATCH = 50  # hosts applied per transaction (SQLite) and per progress update
SSH_BATCH_WAIT = 2.0  # seconds a batch of SSH replies may wait to fill up before it is asked over SNMP
SNMP_SWEEPS_AT_ONCE = 4  # batches of SSH replies being asked over SNMP at the same time


@lru_cache(maxsize=1)
def rule_set():
    return load_rules([Path(p) for p in settings.ESTATE_RULES_DIRS])


class DiscoveryJob(JobRunner):
    kind = "discovery"
    time_limit = 4 * 3600

    def run(self, *, run_id: int | None = None, scope_id: int | None = None, **_: Any) -> dict:
        """Discover what the run's frozen settings say (mode "inventory": full SNMP walk and SSH; "identify": a
        fast SNMP sweep of identity only). The job reads only the run, never the scope.

        Started by a person (run_id: the run exists) or by a schedule (scope_id: the run is made here, by the same
        service). Other arguments belong to whoever asked for the run (read back when the job ends)."""
        if run_id is None:
            run_id = self._run_for_scope(scope_id)
        run = DiscoveryRun.objects.select_related("scope", "site").get(pk=run_id)
        # Manufacturers, platforms and models are cached for one run only: between runs a person may have renamed,
        # merged or deleted them (a stale row would mismatch or point at nothing).
        reference_cache_clear()
        try:
            targets = parse_and_expand(run.targets, exclusions=run.exclusions,
                                       limit=settings.ESTATE_MAX_SCOPE_ADDRESSES)
        except TargetError as exc:
            raise JobFailed(f"The run cannot be discovered: {exc}") from exc
        options = {**DEFAULT_RUN_OPTIONS, **run.options}
        mode = run.mode
        snmp_creds, ssh_creds, approvals = self._credentials(run)
        use_snmp = bool(options["use_snmp"]) and bool(snmp_creds)
        use_ssh = bool(options["use_ssh"]) and bool(ssh_creds) and mode != DiscoveryModeChoices.IDENTIFY
        if not (use_snmp or use_ssh):
            raise JobFailed("No credentials to try: give the scope a credential set (or --community / "
                            "--credential-set on the command line).")
        options["timeout"], options["retries"] = options["snmp_timeout"], options["snmp_retries"]
        resolved = self._resolve(targets, excluded=AddressRanges.of_specs(
            parse_targets(run.exclusions.splitlines(), what="exclusions")), approvals=approvals)
        self.log(f"Discovering {len(resolved)} addresses at {run.site} "
                 f"({'SNMP' if use_snmp else ''}{' + ' if use_snmp and use_ssh else ''}{'SSH' if use_ssh else ''})"
                 f"{' — dry run' if run.dry_run else ''}")
        self.progress(0, len(resolved))

        # Collected, parsed, classified and reconciled in batches as replies arrive, so the database work overlaps
        # the network and decoding work instead of following it, and memory holds a few batches, not the scope.
        # SNMP alone: one streamed sweep. With SSH: SSH streams (bounded: a batch waits for the reconcile of the
        # one before it), and each batch of SSH replies is then asked over SNMP and reconciled, both facts merged.
        summary = dict.fromkeys(HostResultActionChoices.values, 0)
        hosts: list[dict[str, Any]] = []
        pending = {address for address, _target in resolved}
        snmp_port = {addr: t.port or options["snmp_port"] for addr, t in resolved}
        identify = mode == DiscoveryModeChoices.IDENTIFY

        def apply(items: list[tuple[str, SnmpReply | None, SshReply | None]]) -> None:
            items = [item for item in items if item[0] in pending]
            for start in range(0, len(items), HOST_BATCH):
                batch = items[start:start + HOST_BATCH]
                pending.difference_update(address for address, _snmp, _ssh in batch)
                self._apply_batch(run, batch, summary, hosts)
                self.progress(len(resolved) - len(pending))

        if use_ssh:
            # A batch's SNMP sweep waits on its slowest host (a timeout, for hosts without SNMP): a few sweeps run at
            # once, in threads of their own, and batches are applied in the order they came.
            sweeps = ThreadPoolExecutor(max_workers=SNMP_SWEEPS_AT_ONCE, thread_name_prefix=f"snmp-{self.job.pk}")
            in_flight: deque[tuple[dict[str, SshReply], Future[list[SnmpReply]] | None]] = deque()

            def apply_oldest() -> None:
                by_address, sweep = in_flight.popleft()
                items = [(reply.address, reply, by_address.pop(reply.address, None))
                         for reply in (sweep.result() if sweep is not None else [])]
                apply(items + [(address, None, reply) for address, reply in by_address.items()])  # + no SNMP reply

            try:
                for ssh_batch in self._ssh_batches(resolved, ssh_creds, options, trust_new_keys=run.allow_tofu):
                    by_address = {reply.address: reply for reply in ssh_batch}
                    in_flight.append((by_address, sweeps.submit(
                        self._snmp_sweep, [(a, snmp_port[a]) for a in by_address], snmp_creds, options,
                    ) if use_snmp else None))
                    while in_flight and (len(in_flight) >= SNMP_SWEEPS_AT_ONCE or in_flight[0][1] is None
                                         or in_flight[0][1].done()):
                        apply_oldest()
                while in_flight:
                    apply_oldest()
            finally:
                sweeps.shutdown(wait=False, cancel_futures=True)  # a cancelled run does not wait for them
        elif use_snmp:
            for batch in self._snmp_batches(list(snmp_port.items()), snmp_creds, options, identify=identify):
                apply([(reply.address, reply, None) for reply in batch])
        # addresses no collector answered for (a sweep stopped early): recorded as unreachable
        apply([(address, None, None) for address, _target in resolved if address in pending])
        run.summary = summary
        run.save(update_fields=["summary"])
        self.log("Summary: " + ", ".join(f"{n} {k}" for k, n in summary.items()))
        touched = [h["device_id"] for h in hosts if h.get("device_id")] + [
            n["device_id"] for h in hosts for n in h.get("neighbours") or [] if n.get("device_id")]
        if touched and not run.dry_run:
            from inventory.services_findings import findings_evaluate

            findings = findings_evaluate(device_ids=touched)
            self.log(f"Lifecycle findings re-evaluated for {len(set(touched))} device(s)", summary=str(findings)[:500])
        reachable = len(resolved) - summary[HostResultActionChoices.UNREACHABLE]
        if resolved and reachable == 0:
            raise JobFailed(f"No host answered: all {len(resolved)} addresses were unreachable.")
        return {"run_id": run.pk, "summary": summary, "hosts": hosts, "dry_run": run.dry_run}

    # --- steps ---

    def _run_for_scope(self, scope_id: int | None) -> int:
        """A scheduled run: made by the same service as every other run, for this (the schedule's) job."""
        from django.core.exceptions import ValidationError

        from discovery.models import Scope
        from discovery.services import discovery_run_start

        scope = Scope.objects.filter(pk=scope_id).select_related("site").first() if scope_id else None
        if scope is None:
            raise JobFailed("The scope of this schedule no longer exists.")
        try:
            run = discovery_run_start(scope=scope, job=self.job, started_by=self.job.started_by)
        except ValidationError as exc:
            raise JobFailed("The scope cannot be discovered: " + " ".join(exc.messages)) from exc
        return run.pk

    def _credentials(self, run: DiscoveryRun) -> tuple[list, list, list[tuple[str, AddressRanges]]]:
        """The run's credentials in order (single credentials, then each set's in the set's order, then the command
        line's), and each set's approved networks: a set's secrets go only to addresses inside them."""
        from discovery.models import CredentialSet

        by_pk = CredentialSet.objects.in_bulk(run.credential_set_ids)
        creds: list[Credential] = []
        if run.credential_ids:
            by_id = Credential.objects.in_bulk(run.credential_ids)
            creds.extend(by_id[i] for i in run.credential_ids if i in by_id)
        approvals = []
        for pk in run.credential_set_ids:
            cset = by_pk.get(pk)
            if cset is None:
                self.log(f"Credential set #{pk} no longer exists: skipped", level=JobLogLevelChoices.WARNING)
                continue
            try:
                approvals.append((cset.name, cset.approved_ranges()))
            except TargetError as exc:
                raise JobFailed(f"Credential set {cset.name}: its approved networks are invalid ({exc})") from exc
            creds.extend(cset.ordered_credentials())
        snmp, ssh = [], []
        seen = set()
        for cred in creds:
            if cred.pk in seen:
                continue
            seen.add(cred.pk)
            secrets = cred.secrets()
            if cred.kind == CredentialKindChoices.SNMP_V2C:
                snmp.append(SnmpV2cCredential(id=cred.pk, community=secrets.get("community", "")))
            elif cred.kind == CredentialKindChoices.SNMP_V3:
                snmp.append(SnmpV3Credential(id=cred.pk, username=cred.username, auth_protocol=cred.auth_protocol,
                                             auth_key=secrets.get("auth_key", ""), priv_protocol=cred.priv_protocol,
                                             priv_key=secrets.get("priv_key", "")))
            else:
                ssh.append(SshCredential(id=cred.pk, username=cred.username, password=secrets.get("password"),
                                         private_key=secrets.get("private_key"),
                                         passphrase=secrets.get("passphrase")))
        for extra in EPHEMERAL_CREDENTIALS.pop(self.job.pk, []):
            (ssh if isinstance(extra, SshCredential) else snmp).append(extra)
        return snmp, ssh, approvals

    def _resolve(self, targets: list[Target], *, excluded: AddressRanges,
                 approvals: list[tuple[str, AddressRanges]]) -> list[tuple[str, Target]]:
        """Each target's address (names resolved here), checked before the first packet: an excluded or reserved
        address, or one outside a credential set's approved networks, is logged and skipped, never contacted."""
        resolved = []
        for target in targets:
            try:
                ipaddress.ip_address(target.host)
                address = target.host
            except ValueError:
                try:
                    address = socket.getaddrinfo(target.host, None, proto=socket.IPPROTO_UDP)[0][4][0]
                except OSError as exc:
                    self.log(f"{target.host}: cannot resolve ({exc.strerror or exc})",
                             level=JobLogLevelChoices.WARNING)
                    continue
            addr = ipaddress.ip_address(address.split("%", 1)[0])
            addr = getattr(addr, "ipv4_mapped", None) or addr  # ::ffff:127.0.0.1 is 127.0.0.1
            reason = reserved_reason(addr)
            if reason is None and addr in excluded:
                reason = "excluded"
            if reason is None:
                refused = [name for name, approved in approvals if addr not in approved]
                if refused:
                    reason = "outside the approved networks of credential set " + ", ".join(refused)
            if reason is not None:
                shown = target.host if target.host == str(addr) else f"{target.host} ({addr})"
                self.log(f"{shown}: skipped, {reason}; not contacted", level=JobLogLevelChoices.WARNING)
                continue
            resolved.append((str(addr), target))
        return resolved

    def _ssh_batches(self, resolved: list[tuple[str, Target]], creds: list, options: dict, *,
                     trust_new_keys: bool = False) -> Iterator[list[SshReply]]:
        """SSH replies in batches as hosts finish, from a bounded pool in a thread of its own: at most a few
        batches wait in memory, however large the scope."""
        targets = [(addr, t.port or options["ssh_port"]) for addr, t in resolved]
        known = {(k.address, k.port): (k.key_type, k.fingerprint)
                 for k in HostKey.objects.filter(address__in=[a for a, _ in targets])}

        def produce(emit: Emit, stop: threading.Event) -> None:
            stream = ssh_collect(targets, creds, known_host_keys=known, timeout=options["ssh_timeout"],
                                 command_timeout=30.0, concurrency=min(options["concurrency"], 32),
                                 trust_new_keys=trust_new_keys)
            try:
                for reply in stream:
                    emit(reply)
            finally:
                stream.close()  # drops the hosts not started yet

        # a batch waits a moment to fill: each is asked over SNMP next, and a sweep of 1 host costs as much as 50
        yield from background_batches(produce, name=f"ssh-collect-{self.job.pk}", max_batch=HOST_BATCH,
                                      max_wait=SSH_BATCH_WAIT, maxsize=2 * HOST_BATCH,
                                      should_stop=lambda: self.should_stop)
        self.check_cancelled()

    @staticmethod
    def _snmp_stream(targets: list[tuple[str, int]], creds: list, options: dict, *, identify: bool):
        """The collector's reply stream: identity only (a large sweep decodes over both cores), or a full walk."""
        if identify:
            return snmp_identify(targets, creds, timeout=options["timeout"], retries=options["retries"],
                                 concurrency=options["concurrency"], processes=2 if len(targets) >= 256 else 1)
        return snmp_inventory(targets, creds, timeout=options["timeout"], retries=options["retries"],
                              concurrency=min(options["concurrency"], 64))

    def _snmp_sweep(self, targets: list[tuple[str, int]], creds: list, options: dict) -> list[SnmpReply]:
        """A full SNMP inventory of a few hosts, start to end, in this thread (an event loop of its own)."""

        async def collect() -> list[SnmpReply]:
            stream = self._snmp_stream(targets, creds, options, identify=False)
            try:
                return [reply async for reply in stream]
            finally:
                await stream.aclose()

        return asyncio.run(collect())

    def _snmp_batches(self, targets: list[tuple[str, int]], creds: list, options: dict, *, identify: bool
                      ) -> Iterator[list[SnmpReply]]:
        """SNMP replies in batches as they arrive. The collector's event loop runs in a thread of its own (with
        the decoding in child processes for a large sweep); this thread takes whatever has arrived each time."""

        async def collect(emit: Emit) -> None:
            stream = self._snmp_stream(targets, creds, options, identify=identify)
            try:
                async for reply in stream:
                    emit(reply)  # raises Stopped once this job stops reading: the stream closes below
            finally:
                await stream.aclose()

        yield from background_batches(lambda emit, _stop: asyncio.run(collect(emit)),
                                      name=f"snmp-collect-{self.job.pk}", max_batch=HOST_BATCH,
                                      should_stop=lambda: self.should_stop)
        self.check_cancelled()

    def _apply_batch(self, run: DiscoveryRun, items: list[tuple[str, SnmpReply | None, SshReply | None]],
                     summary: dict[str, int], hosts: list[dict[str, Any]]) -> None:
        """Parse, classify and reconcile a batch of hosts. On SQLite the batch is one transaction (each host is a
        savepoint in it, so one host's failure is still its own): one commit per batch instead of per host.
        PostgreSQL keeps a transaction per host, so two runs never hold each other's host locks."""
        results: list[HostResult] = []
        batched = connection.vendor == "sqlite"
        with transaction.atomic() if batched else contextlib.nullcontext():
            prepared = [self._prepare(run, address, snmp, ssh) for address, snmp, ssh in items]
            to_apply = [p for p in prepared if isinstance(p, _Prepared)]
            # One read of every device the batch could match, instead of a few queries per host: valid because
            # the batch is one SQLite transaction (one writer); reconcile keeps it current as it goes.
            index = match_index_build(site=run.site, hosts=[host_keys(p.facts) for p in to_apply]) if (
                batched and not run.dry_run and len(to_apply) > 1) else None
            for item in prepared:
                if isinstance(item, HostResult):
                    result, host = item, None
                else:
                    result, host = self._host(run, item, index)
                results.append(result)
                summary[result.action] += 1
                if host:
                    hosts.append(host)
            if index is not None:
                batch_flush(index=index)
            HostResult.objects.bulk_create(results)
            run.summary = summary
            run.save(update_fields=["summary"])  # the run page shows the counts as they grow

    def _prepare(self, run: DiscoveryRun, address: str, snmp: SnmpReply | None, ssh: SshReply | None
                 ) -> HostResult | _Prepared:
        """Parse and classify what the collectors brought back; a HostResult when there is nothing to apply."""
        parts: list[HostFacts] = []
        method, credential_id, errors = "", None, []
        port = None
        if ssh is not None:
            port = ssh.port
            if ssh.host_key_changed:
                host_key_record(address=ssh.address, port=ssh.port, key_type=ssh.host_key_type or "",
                                fingerprint=ssh.host_key_fingerprint or "",
                                public_key=getattr(ssh, "host_public_key", None) or "", run=run, device=None)
                errors.append(ssh.error or "host key changed")
            elif ssh.error is None:
                parts.append(parse_ssh(ssh))
                method, credential_id = DiscoveryMethodChoices.SSH, ssh.credential_id
            else:
                errors.append(f"SSH: {ssh.error}")
        if snmp is not None:
            port = port or snmp.port
            if snmp.error is None or snmp.error.startswith("partial:"):
                parts.append(parse_snmp(snmp))
                if not method:
                    method, credential_id = DiscoveryMethodChoices.SNMP, snmp.credential_id
            else:
                errors.append(f"SNMP: {snmp.error}")
        host_key_changed = bool(ssh is not None and ssh.host_key_changed)
        if not parts:
            action = HostResultActionChoices.FAILED if host_key_changed else HostResultActionChoices.UNREACHABLE
            if any("auth failed" in e or "host key unknown" in e for e in errors):
                action = HostResultActionChoices.FAILED
            return HostResult(run=run, address=address, port=port, reachable=host_key_changed or action ==
                              HostResultActionChoices.FAILED, action=action, error="; ".join(errors)[:2000])
        if credential_id is not None and credential_id <= 0:
            credential_id = None  # a command-line credential: not stored, nothing to link to
        return _Prepared(address=address, port=port, method=method, credential_id=credential_id, errors=errors,
                         facts=classify(merge_facts(*parts), rule_set()), ssh=ssh, host_key_changed=host_key_changed)

    def _host(self, run: DiscoveryRun, prepared: _Prepared, index: MatchIndex | None
              ) -> tuple[HostResult, dict | None]:
        """Reconcile one host's facts and record what happened."""
        facts, ssh, method, credential_id = prepared.facts, prepared.ssh, prepared.method, prepared.credential_id
        errors = list(prepared.errors)
        source = DiscoverySourceChoices.SSH if method == DiscoveryMethodChoices.SSH else DiscoverySourceChoices.SNMP
        outcome = host_reconcile(facts=facts, site=run.site, source=source, dry_run=run.dry_run,
                                 seen_at=timezone.now(), index=index, job_id=self.job.pk)
        if not run.dry_run and outcome.device_id:
            if ssh is not None and ssh.error is None and ssh.host_key_fingerprint:
                host_key_record(address=ssh.address, port=ssh.port, key_type=ssh.host_key_type or "",
                                fingerprint=ssh.host_key_fingerprint,
                                public_key=getattr(ssh, "host_public_key", None) or "", run=run,
                                device_id_hint=outcome.device_id)
            if credential_id:
                DeviceAccess.objects.update_or_create(device_id=outcome.device_id, method=method, defaults={
                    "credential_id": credential_id, "last_success": timezone.now()})
        if prepared.host_key_changed:
            errors.insert(0, "SSH refused: host key changed (SNMP facts were still applied)")
        result = HostResult(
            run=run, address=prepared.address, port=prepared.port, reachable=True, method=method,
            credential_id=credential_id, device_id=outcome.device_id,
            action=HostResultActionChoices.FAILED if prepared.host_key_changed else outcome.action,
            error="; ".join([*errors, outcome.error] if outcome.error else errors)[:2000],
            changes=outcome.changes, facts=_summary_facts(facts),
        )
        host = {
            "address": prepared.address, "device_id": outcome.device_id, "name": outcome.device_name,
            "kind": facts.kind, "manufacturer": facts.manufacturer, "model": facts.model, "platform": facts.platform,
            "version": facts.version, "serial": facts.serial, "action": result.action, "matched_by": outcome.matched_by,
            "neighbours": outcome.neighbours,
        }
        return result, host


@dataclass(frozen=True)
class _Prepared:
    """A host with facts to apply: what the collectors said, parsed and classified."""

    address: str
    port: int | None
    method: str
    credential_id: int | None
    errors: list[str]
    facts: HostFacts
    ssh: SshReply | None
    host_key_changed: bool


_COUNTED = frozenset({"software", "connections", "processes", "interfaces"})
# evidence is kept per field as the device's provenance; the run keeps identity and counts only
_FACT_FIELDS = tuple(f.name for f in dataclasses.fields(HostFacts) if f.name != "evidence")


def _summary_facts(facts: HostFacts) -> dict:
    """What the run page shows: identity and counts, not every package."""
    return {name: len(getattr(facts, name)) if name in _COUNTED else facts_to_dict(getattr(facts, name))
            for name in _FACT_FIELDS}
