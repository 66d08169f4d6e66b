"""Pre-flight: which of a wave's items a playbook run cannot reach, and why — shown on the wave page before approval
and before a run; a run with nothing runnable is refused with these reasons (services.playbook_run_start)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from discovery.choices import DiscoveryMethodChoices
from discovery.models import DeviceAccess, HostKey, HostResult
from inventory.models import Device
from migration_plans.models import Wave, WaveItem


@dataclass(frozen=True)
class PreflightRow:
    item: WaveItem
    problems: tuple[str, ...]  # why it cannot run; empty when it can

    @property
    def runnable(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Preflight:
    rows: list[PreflightRow]

    @property
    def runnable(self) -> int:
        return sum(1 for r in self.rows if r.runnable)

    @property
    def blocked(self) -> list[PreflightRow]:
        return [r for r in self.rows if not r.runnable]

    def summary(self, limit: int = 5) -> str:
        """One line: how many can run, and the first few that cannot with why."""
        blocked = self.blocked
        head = f"{self.runnable} of {len(self.rows)} item(s) can run"
        if not blocked:
            return head + "."
        reasons = "; ".join(f"{r.item.subject}: {', '.join(r.problems)}" for r in blocked[:limit])
        more = f"; and {len(blocked) - limit} more" if len(blocked) > limit else ""
        return f"{head}. {len(blocked)} cannot — {reasons}{more}."

    def as_dict(self) -> dict:
        return {"runnable": self.runnable, "blocked": len(self.blocked), "summary": self.summary(),
                "items": [{"id": r.item.pk, "subject": str(r.item.subject), "runnable": r.runnable,
                           "problems": list(r.problems)} for r in self.rows]}


def wave_preflight(*, wave: Wave, items: Iterable[WaveItem] | None = None, credential=None) -> Preflight:
    """For each item: no IP address, no SSH credential (none chosen, none that worked in discovery), no host key
    recorded by discovery (strict host key checking refuses it), or unreachable at its last discovery."""
    chosen = list(items) if items is not None else list(wave.items.select_related("device", "application"))
    devices = Device.objects.in_bulk({i.device_id for i in chosen if i.device_id})  # one query, however many
    address_of = {pk: (d.management_ip or d.primary_ip or "") for pk, d in devices.items()}
    addresses = [a for a in address_of.values() if a]
    keyed = set(HostKey.objects.filter(address__in=addresses).values_list("address", flat=True))
    ssh_ok = set(DeviceAccess.objects.filter(device_id__in=devices, method=DiscoveryMethodChoices.SSH)
                 .values_list("device_id", flat=True))
    last: dict[object, tuple] = {}  # device id or address -> (reachable, when), newest first
    wanted = set(addresses) | set(devices)
    for device_id, address, reachable, when in HostResult.objects.filter(
            Q(device_id__in=devices) | Q(address__in=addresses)).order_by("-timestamp", "-pk") \
            .values_list("device_id", "address", "reachable", "timestamp").iterator():
        last.setdefault(address, (reachable, when))
        if device_id:
            last.setdefault(device_id, (reachable, when))
        if wanted <= last.keys():
            break  # newest first: every host's last discovery is known, older results do not matter
    rows = []
    for item in chosen:
        problems: list[str] = []
        if not item.device_id:
            problems.append("an application, not a host")
        else:
            address = address_of[item.device_id]
            if not address:
                problems.append("no IP address")
            if credential is None and item.device_id not in ssh_ok:
                problems.append("no SSH credential (choose one for the run)")
            if address and address not in keyed:
                problems.append("no SSH host key recorded by discovery")
            seen = last.get(address) or last.get(item.device_id)
            if seen is not None and not seen[0]:
                problems.append(f"unreachable at the last discovery ({timezone.localtime(seen[1]):%d/%m/%Y %H:%M})")
        rows.append(PreflightRow(item=item, problems=tuple(problems)))
    return Preflight(rows=rows)
