"""Teaching Estate: the unidentified devices, drafting a rule from one, previewing exactly which devices it would
change, applying it to them at once (audited), and sharing rules as YAML.

A rule is applied by classifying each matching device's last discovered facts again, with the taught rules, and
reconciling them as a sweep would (discovery.reconcile.host_reconcile): the same provenance decisions apply (a value a
person set becomes a proposal, never overwritten), and every change is in the device's history under the rule.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet

from discovery import classify
from discovery.facts import (
    ConnectionFact,
    DiskFact,
    Evidence,
    HostFacts,
    InterfaceFact,
    NeighbourFact,
    SoftwareFact,
)
from discovery.models import HostResult
from discovery.models_rules import OUTPUTS, ClassificationRule, rules_document
from discovery.reconcile import host_reconcile, reference_cache_clear
from estate.context import audit_context
from estate.services import object_save
from inventory.choices import DeviceKindChoices, DiscoverySourceChoices
from inventory.models import Device

MAX_DEVICES = 5000  # devices one preview or apply looks at
MAX_IMPORT_BYTES = 1 << 20
_NESTED = {"interfaces": InterfaceFact, "disks": DiskFact, "software": SoftwareFact, "neighbours": NeighbourFact,
           "connections": ConnectionFact}


def unidentified_devices() -> QuerySet[Device]:
    """Devices Estate could not name: kind other, no platform, no version."""
    return (Device.objects.filter(kind=DeviceKindChoices.OTHER, platform__isnull=True, os_version="")
            .select_related("site", "manufacturer").order_by("name"))


def facts_from_dict(data: dict[str, Any]) -> HostFacts:
    """HostFacts from the JSON a run stored (facts_to_dict); unknown keys and counted collections are skipped."""
    values: dict[str, Any] = {}
    for item in dataclasses.fields(HostFacts):
        value = data.get(item.name)
        if value is None:
            continue
        if item.name in _NESTED:
            if isinstance(value, list):
                cls = _NESTED[item.name]
                names = {f.name for f in dataclasses.fields(cls)}
                values[item.name] = tuple(cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()
                                                 if k in names}) for row in value if isinstance(row, dict))
        elif item.name == "evidence":
            values[item.name] = tuple((k, Evidence(**v)) for k, v in value if isinstance(v, dict))
        elif item.name == "extra":
            values[item.name] = tuple((str(k), str(v)) for k, v in value)
        elif item.name == "classification":
            continue
        elif isinstance(value, list):
            values[item.name] = tuple(value)
        else:
            values[item.name] = value
    return HostFacts(**{"address": "", **values})


def _last_results(device_ids: list[int]) -> dict[int, HostResult]:
    latest = (HostResult.objects.filter(device_id__in=device_ids).exclude(facts={})
              .values("device_id").annotate(last=Max("pk")))
    rows = HostResult.objects.filter(pk__in=[row["last"] for row in latest]).select_related("run")
    return {row.device_id: row for row in rows}


def _candidates(rule: ClassificationRule) -> list[tuple[Device, HostResult, HostFacts]]:
    """Devices whose last discovered facts meet the rule's conditions."""
    results = HostResult.objects.exclude(facts={}).filter(device__isnull=False)
    if rule.sys_object_id:
        results = results.filter(facts__sys_object_id__startswith=rule.sys_object_id)
    device_ids = sorted(set(results.values_list("device_id", flat=True)[:MAX_DEVICES * 4]))[:MAX_DEVICES]
    last = _last_results(device_ids)
    pattern = re.compile(rule.sys_descr, re.IGNORECASE) if rule.sys_descr else None
    devices = Device.objects.filter(pk__in=list(last)).select_related("site").order_by("name")
    out = []
    for device in devices:
        facts = facts_from_dict(last[device.pk].facts)
        oid = facts.sys_object_id or ""
        if rule.sys_object_id and not (oid == rule.sys_object_id or oid.startswith(rule.sys_object_id + ".")):
            continue
        if pattern is not None and not pattern.search(facts.sys_descr or ""):
            continue
        out.append((device, last[device.pk], facts))
    return out


@dataclass
class RuleChange:
    device: Device
    changes: dict[str, Any] = field(default_factory=dict)  # field -> [current, new]
    proposed: list[str] = field(default_factory=list)  # fields a person owns: a proposal, not a change


def _ruleset(rule: ClassificationRule) -> classify.RuleSet:
    others = ClassificationRule.objects.filter(enabled=True).exclude(pk=rule.pk) if rule.pk else (
        ClassificationRule.objects.filter(enabled=True))
    return classify.ruleset_with(classify.load_rules(taught=False), [rules_document([*others, rule])])


def _source(result: HostResult) -> str:
    return result.method if result.method in DiscoverySourceChoices.values else DiscoverySourceChoices.SNMP


def rule_preview(*, rule: ClassificationRule) -> list[RuleChange]:
    """Exactly the devices this (saved or drafted) rule would change, and how; nothing is written."""
    rule.full_clean(validate_unique=False, validate_constraints=False)
    rules = _ruleset(rule)
    out = []
    reference_cache_clear()
    for device, result, facts in _candidates(rule):
        outcome = host_reconcile(facts=classify.classify(facts, rules), site=device.site, source=_source(result),
                                 dry_run=True)
        if outcome.device_id != device.pk:
            continue
        changes = {k: v for k, v in outcome.changes.items() if k not in ("proposed", "kept")}
        proposed = [str(p) for p in outcome.changes.get("proposed", [])] if isinstance(
            outcome.changes.get("proposed"), list) else []
        if changes or proposed:
            out.append(RuleChange(device=device, changes=changes, proposed=proposed))
    return out


def classification_rule_save(*, rule: ClassificationRule) -> ClassificationRule:
    saved = object_save(instance=rule)
    classify.taught_rules_changed()
    return saved


@transaction.atomic
def rule_apply(*, rule: ClassificationRule, user: Any = None) -> dict[str, int]:
    """Classify every device the rule matches again and reconcile it (audited under "rule:<id>"): counts by action."""
    if not rule.pk or not rule.enabled:
        raise ValidationError("Save and enable the rule before applying it.")
    classify.taught_rules_changed()
    rules = _ruleset(rule)
    summary = {"updated": 0, "unchanged": 0, "failed": 0}
    reference_cache_clear()
    with audit_context(actor=user, request_id=f"rule:{rule.pk}"):
        for device, result, facts in _candidates(rule):
            outcome = host_reconcile(facts=classify.classify(facts, rules), site=device.site,
                                     source=_source(result))
            key = outcome.action if outcome.action in summary else "updated" if outcome.action == "created" else (
                "failed")
            summary[key] += 1
    return summary


def draft_from_device(*, device: Device) -> ClassificationRule:
    """An unsaved rule for this device: its sysObjectID as prefix (or its sysDescr's first words), its current
    values as the outputs, for a person to complete."""
    result = _last_results([device.pk]).get(device.pk)
    facts = facts_from_dict(result.facts) if result is not None else HostFacts(address="")
    rule = ClassificationRule(name=f"{(facts.sys_descr or device.name).split()[0][:40]} ({device.name})"[:100])
    if facts.sys_object_id:
        rule.sys_object_id = facts.sys_object_id
    elif facts.sys_descr:
        rule.sys_descr = "^" + re.escape(" ".join(facts.sys_descr.split()[:2]))[:200]
    rule.manufacturer = device.manufacturer.name if device.manufacturer_id else (facts.manufacturer or "")
    if device.kind != DeviceKindChoices.OTHER:
        rule.kind = device.kind
    return rule


def rules_export(*, queryset: QuerySet[ClassificationRule] | None = None) -> str:
    rules = list(queryset if queryset is not None else ClassificationRule.objects.all())
    document = {"rules": [rule.as_entry() for rule in rules]}
    return "# Estate taught classification rules (discovery/classify.py format)\n" + yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True)


_ENTRY_KEYS = {"name", "description", "priority", "match", "set", "evidence", "enabled"}


def _rule_from_entry(entry: Any, number: int) -> ClassificationRule:
    if not isinstance(entry, dict) or not isinstance(entry.get("match"), dict) or not isinstance(
            entry.get("set") or {}, dict):
        raise ValidationError(f"rule {number}: needs 'name', 'match' and 'set' mappings")
    match, sets = entry["match"], entry.get("set") or {}
    unknown = (set(match) - {"sys_object_id", "sys_descr"}) | (set(sets) - set(OUTPUTS)) | (set(entry) - _ENTRY_KEYS)
    if unknown:
        raise ValidationError(f"rule {number}: only sysObjectID/sysDescr conditions and {', '.join(OUTPUTS)} "
                              f"can be taught (not {', '.join(sorted(map(str, unknown)))})")
    return ClassificationRule(
        name=str(entry.get("name") or "")[:100], description=str(entry.get("description") or "")[:200],
        sys_object_id=str(match.get("sys_object_id") or ""), sys_descr=str(match.get("sys_descr") or ""),
        enabled=bool(entry.get("enabled", True)), **{name: str(sets.get(name) or "") for name in OUTPUTS})


@transaction.atomic
def rules_import(*, text: str) -> dict[str, int]:
    """Rules from exported YAML: new names are added, existing ones updated. All or nothing."""
    if len(text.encode("utf-8", "replace")) > MAX_IMPORT_BYTES:
        raise ValidationError("The file is larger than 1 MiB.")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(f"Not YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise ValidationError("Expected a mapping with a 'rules' list (as exported).")
    counts = {"created": 0, "updated": 0}
    for number, entry in enumerate(document["rules"], start=1):
        incoming = _rule_from_entry(entry, number)
        rule = ClassificationRule.objects.filter(name=incoming.name).first()
        if rule is None:
            rule, key = incoming, "created"
        else:
            for name in ("description", "sys_object_id", "sys_descr", "enabled", *OUTPUTS):
                setattr(rule, name, getattr(incoming, name))
            key = "updated"
        try:
            classification_rule_save(rule=rule)
        except ValidationError as exc:
            raise ValidationError(f"rule {number} ({incoming.name or 'no name'}): "
                                  + "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        counts[key] += 1
    return counts


__all__ = ["RuleChange", "classification_rule_save", "draft_from_device", "facts_from_dict",
           "rule_apply", "rule_preview", "rules_export", "rules_import", "unidentified_devices"]
