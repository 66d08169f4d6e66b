"""reconcile_plan(): what discovery would do to one device, field by field. Pure: no Django, no queries.

The plan is computed from the host's facts (with the evidence for each value) and a snapshot of the device as it is
(``DeviceState``: values as text, the provenance of each, the person's locks, proposals already made or rejected).
``reconcile.reconcile_apply()`` writes it in one transaction; a dry run shows it and writes nothing. The precedence
rule itself is ``inventory.provenance.decide()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from discovery.facts import Evidence, HostFacts
from inventory.choices import FieldDecisionChoices, ProvenanceSourceChoices
from inventory.naming import model_name_variants
from inventory.provenance import Source, decide, same_value, source_of

# Device field <- HostFacts field. The order matters: the manufacturer is decided before the model it makes.
FIELD_MAP: tuple[tuple[str, str], ...] = (
    ("name", "hostname"), ("kind", "kind"), ("manufacturer", "manufacturer"), ("hardware_model", "model"),
    ("serial", "serial"), ("platform", "platform"), ("os_version", "version"), ("firmware", "firmware"),
    ("snmp_engine_id", "engine_id"), ("primary_ip", "address"),
)
_MAX = {"serial": 100, "os_version": 255, "firmware": 255, "snmp_engine_id": 64, "name": 255,
        "manufacturer": 100, "platform": 100, "hardware_model": 100}
CHANGING = (FieldDecisionChoices.SET, FieldDecisionChoices.UPDATE)


@dataclass(frozen=True)
class DeviceState:
    """A device as reconcile sees it: every discoverable field as text, and what is known about each value."""

    device_id: int
    name: str
    values: Mapping[str, str]
    sources: Mapping[str, Source]  # recorded provenance; a field without one has its legacy source
    locked: frozenset[str]  # a person's fields (Device.locked_fields, or any value of a device a person entered)
    rejected: frozenset[tuple[str, str]] = frozenset()  # (field, lower-cased value) a person rejected
    proposed: Mapping[str, str] = field(default_factory=dict)  # field -> lower-cased value already proposed
    name_free: bool = True  # the host's name is free at the site (for a rename)


@dataclass(frozen=True)
class FieldPlan:
    field: str
    action: str  # FieldDecisionChoices
    current: str
    wanted: str
    source: Source
    reason: str


@dataclass(frozen=True)
class DevicePlan:
    action: str  # "create" / "update" / "unchanged"
    device_id: int | None
    fields: tuple[FieldPlan, ...]
    new_name: str = ""  # the name a new device gets

    def changing(self) -> list[FieldPlan]:
        return [f for f in self.fields if f.action in CHANGING]

    def proposals(self) -> list[FieldPlan]:
        return [f for f in self.fields if f.action == FieldDecisionChoices.PROPOSE]

    def summary(self) -> dict[str, dict[str, list[str]]]:
        """The plan as a run page and the API show it."""
        out: dict[str, dict[str, list[str]]] = {"proposed": {}, "kept": {}}
        for f in self.fields:
            if f.action == FieldDecisionChoices.PROPOSE:
                out["proposed"][f.field] = [f.current, f.wanted, f.source.source]
            elif f.action == FieldDecisionChoices.KEEP and f.wanted and not same_value(f.current, f.wanted):
                out["kept"][f.field] = [f.current, f.wanted, f.reason]
        return {k: v for k, v in out.items() if v}


def _default_source(facts: HostFacts, fact_field: str, value: str) -> Source:
    """Evidence for a value no parser or rule described: by the facts' source."""
    if fact_field == "kind" and value == "other":
        return Source(ProvenanceSourceChoices.SNMP_GENERIC, 0, specific=False, detail="no rule matched")
    if "directory" in facts.sources:
        return source_of(ProvenanceSourceChoices.DIRECTORY, detail="directory")
    if "ssh" in facts.sources:
        return source_of(ProvenanceSourceChoices.SSH, detail="SSH")
    if fact_field in ("hostname", "engine_id", "address"):
        return source_of(ProvenanceSourceChoices.SNMP_VENDOR, detail="SNMP system group")
    if fact_field in ("model", "serial", "firmware"):
        return source_of(ProvenanceSourceChoices.SNMP_VENDOR, detail="SNMP MIB")
    return source_of(ProvenanceSourceChoices.SNMP_GENERIC, detail="SNMP")


def field_source(facts: HostFacts, fact_field: str, value: str) -> Source:
    evidence: Evidence | None = facts.evidence_for(fact_field)
    if evidence is None:
        return _default_source(facts, fact_field, value)
    return Source(source=evidence.source, strength=evidence.strength, specific=evidence.specific,
                  detail=evidence.detail)


def wanted_values(facts: HostFacts, *, address_is_ip: bool) -> dict[str, str]:
    """The device fields the facts speak for, as text."""
    out: dict[str, str] = {}
    for device_field, fact_field in FIELD_MAP:
        if device_field == "primary_ip" and not address_is_ip:
            continue
        value = getattr(facts, fact_field)
        if value in (None, ""):
            continue
        if device_field == "hardware_model":  # recorded without its maker's name ("HP LaserJet …" -> "LaserJet …")
            value = model_name_variants(facts.manufacturer or "", str(value))[-1]
        out[device_field] = str(value)[:_MAX.get(device_field, 255)]
    return out


def reconcile_plan(*, facts: HostFacts, state: DeviceState | None, address_is_ip: bool, new_name: str = ""
                   ) -> DevicePlan:
    """Per field: set (blank), update, propose to a person, confirm, or keep. ``state`` None: a new device."""
    wanted = wanted_values(facts, address_is_ip=address_is_ip)
    if state is None:
        wanted["name"] = new_name or wanted.get("name", "")
        plans = tuple(FieldPlan(field=name, action=FieldDecisionChoices.SET, current="", wanted=value,
                                source=field_source(facts, "hostname" if name == "name" and facts.hostname else
                                                    ("address" if name == "name" else fact), value),
                                reason="new device")
                      for name, fact in FIELD_MAP if (value := wanted.get(name)))
        return DevicePlan(action="create", device_id=None, fields=plans, new_name=new_name)
    plans: list[FieldPlan] = []
    decided: dict[str, str] = {}
    for name, fact in FIELD_MAP:
        value = wanted.get(name)
        if not value:
            continue
        current = state.values.get(name, "")
        source = field_source(facts, fact, value)
        if name == "name" and not same_value(current, value) and not state.name_free:
            plans.append(FieldPlan(name, FieldDecisionChoices.KEEP, current, value, source,
                                   "another device at the site has this name"))
            continue
        if name in ("serial", "hardware_model"):
            maker = decided.get("manufacturer", state.values.get("manufacturer", ""))
            if current and maker and facts.manufacturer and not same_value(maker, facts.manufacturer):
                plans.append(FieldPlan(name, FieldDecisionChoices.KEEP, current, value, source,
                                       "recorded under another manufacturer"))
                continue
        decision = decide(field=name, current=current, current_source=state.sources.get(name),
                          locked=name in state.locked, wanted=value, wanted_source=source,
                          rejected=(name, value.lower()) in state.rejected,
                          proposed=state.proposed.get(name) == value.lower())
        plans.append(FieldPlan(name, decision.action, current, value, source, decision.reason))
        if decision.action in CHANGING:
            decided[name] = value
    action = "update" if any(p.action in CHANGING for p in plans) else "unchanged"
    return DevicePlan(action=action, device_id=state.device_id, fields=tuple(plans))
