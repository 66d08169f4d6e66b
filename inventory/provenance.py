"""Field provenance and precedence: which value of a device field wins when sources disagree. Pure, no queries.

Every discoverable field of a device remembers where its value came from (a ``Source``: who said it, how strong that
source is, whether the value is specific). A new value replaces the recorded one only when its source is at least
as strong *and* it is at least as specific: a kernel version never replaces an OS release, "Linux" never replaces
"Ubuntu", a generic sysDescr guess never replaces what SSH read from /etc/os-release.

A person's value (set in the UI, the API, bulk edit; or imported) is never replaced by discovery. A conflicting
discovered value that is stronger than the person's becomes a *proposed change* for a person to accept or reject;
a weaker one is ignored, so a correction does not come back as noise after every sweep.

This is the one place the rule lives: discovery's reconcile plan, the directory sync, the importer and the device
services all ask ``decide()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from inventory.choices import DiscoverySourceChoices, FieldDecisionChoices, ProvenanceSourceChoices

# Default strength of each source (0-100). A parser or rule may state its own (HostFacts.evidence).
STRENGTH: dict[str, int] = {
    ProvenanceSourceChoices.SSH: 90,  # the machine's own files and commands
    ProvenanceSourceChoices.SNMP_VENDOR: 70,  # vendor product OIDs, ENTITY-MIB, UPS-MIB, Printer-MIB
    ProvenanceSourceChoices.RULE: 65,  # a rule a person taught Estate
    ProvenanceSourceChoices.DIRECTORY: 60,  # AD's operatingSystem(Version): written by the machine, read second-hand
    ProvenanceSourceChoices.PERSON: 50,
    ProvenanceSourceChoices.IMPORT: 45,
    ProvenanceSourceChoices.SNMP_GENERIC: 30,  # sysDescr keywords, sysServices, a kernel string
    ProvenanceSourceChoices.NEIGHBOUR: 30,  # what a switch or call manager says about another device
}
PERSON_SOURCES = frozenset({ProvenanceSourceChoices.PERSON, ProvenanceSourceChoices.IMPORT})

# The provenance a value gets when nothing better is known: the device's own discovery_source.
_FROM_DEVICE_SOURCE = {
    DiscoverySourceChoices.MANUAL: ProvenanceSourceChoices.PERSON,
    DiscoverySourceChoices.IMPORT: ProvenanceSourceChoices.IMPORT,
    DiscoverySourceChoices.SSH: ProvenanceSourceChoices.SSH,
    DiscoverySourceChoices.SNMP: ProvenanceSourceChoices.SNMP_GENERIC,
    DiscoverySourceChoices.LLDP: ProvenanceSourceChoices.NEIGHBOUR,
    DiscoverySourceChoices.CDP: ProvenanceSourceChoices.NEIGHBOUR,
    DiscoverySourceChoices.CALL_MANAGER: ProvenanceSourceChoices.NEIGHBOUR,
    DiscoverySourceChoices.DIRECTORY: ProvenanceSourceChoices.DIRECTORY,
}

# Platform names that say only the family: never a replacement for a distribution or product.
GENERIC_PLATFORMS = frozenset({"linux", "unix", "windows", "bsd", "embedded", "other", "unknown", "generic",
                               "net-snmp", "vxworks"})
# Device kinds that are a lack of knowledge rather than a conclusion.
GENERIC_KINDS = frozenset({"other", ""})


@dataclass(frozen=True, slots=True)
class Source:
    """Where one field's value came from and how far to trust it."""

    source: str  # ProvenanceSourceChoices
    strength: int
    specific: bool = True
    detail: str = ""

    @property
    def is_person(self) -> bool:
        return self.source in PERSON_SOURCES


def source_of(name: str, *, strength: int | None = None, specific: bool = True, detail: str = "") -> Source:
    return Source(source=name, strength=STRENGTH.get(name, 30) if strength is None else strength, specific=specific,
                  detail=detail)


def legacy_source(device_source: str) -> Source:
    """Provenance of a value recorded before provenance existed: what the device's discovery_source says."""
    return source_of(_FROM_DEVICE_SOURCE.get(device_source, ProvenanceSourceChoices.SNMP_GENERIC),
                     detail="recorded before provenance was kept")


def is_generic_value(field: str, value: Any) -> bool:
    """A value that names only a family ("Linux", kind "other"): never replaces a specific one."""
    text = str(value or "").strip().lower()
    if field == "platform":
        return text in GENERIC_PLATFORMS
    if field == "kind":
        return text in GENERIC_KINDS
    return False


def same_value(a: Any, b: Any) -> bool:
    """Values compare as text, case- and space-insensitively ("Cisco" == "cisco"); empty equals empty."""
    return " ".join(str(a or "").split()).lower() == " ".join(str(b or "").split()).lower()


_NUMBERS = re.compile(r"\d+")
_VERSION_FIELDS = frozenset({"os_version", "firmware"})


def consistent(field: str, current: Any, wanted: Any) -> bool:
    """The same value, or for a version the same release said less precisely: "20.04" agrees with "20.04.6 LTS"
    (the numbers of one begin the numbers of the other), so neither is news."""
    if same_value(current, wanted):
        return True
    if field not in _VERSION_FIELDS or not current or not wanted:
        return False
    a, b = _NUMBERS.findall(str(current)), _NUMBERS.findall(str(wanted))
    return bool(a and b) and (a[:len(b)] == b or b[:len(a)] == a)


@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # FieldDecisionChoices
    reason: str


def _more_precise(field: str, current: Any, wanted: Any) -> bool:
    return field in _VERSION_FIELDS and len(_NUMBERS.findall(str(wanted))) > len(_NUMBERS.findall(str(current)))


def decide(*, field: str, current: Any, current_source: Source | None, locked: bool, wanted: Any,
           wanted_source: Source, rejected: bool = False, proposed: bool = False) -> Decision:
    """What discovery may do with one field.

    current_source: the recorded provenance (None: unknown, treated as the weakest discovery);
    locked: a person's value (the field is in Device.locked_fields, or the device was entered or imported before
    provenance was kept); rejected: a person already rejected exactly this value for this field; proposed: it is
    already proposed and waiting.
    """
    if wanted in (None, ""):
        return Decision(FieldDecisionChoices.KEEP, "nothing discovered")
    specific = wanted_source.specific and not is_generic_value(field, wanted)
    owner = current_source or Source(ProvenanceSourceChoices.SNMP_GENERIC, 0, specific=False)
    if consistent(field, current, wanted):
        if not locked and _more_precise(field, current, wanted) and wanted_source.strength >= owner.strength:
            return Decision(FieldDecisionChoices.UPDATE, "the same release, said more precisely")
        return Decision(FieldDecisionChoices.CONFIRM, "confirmed")
    if locked:
        person = owner if owner.is_person else source_of(ProvenanceSourceChoices.PERSON)
        if rejected:
            return Decision(FieldDecisionChoices.KEEP, "a person rejected this value before")
        if wanted_source.strength > person.strength and specific:
            if proposed:
                return Decision(FieldDecisionChoices.KEEP, "already proposed")
            return Decision(FieldDecisionChoices.PROPOSE,
                            f"a person's value; {wanted_source.source} is stronger, so it is proposed")
        return Decision(FieldDecisionChoices.KEEP, "a person's value wins over a weaker source")
    if current in (None, ""):
        return Decision(FieldDecisionChoices.SET, "was blank")
    current_specific = owner.specific and not is_generic_value(field, current)
    if current_specific and not specific:
        return Decision(FieldDecisionChoices.KEEP, "the new value is less specific")
    if wanted_source.strength < owner.strength:
        return Decision(FieldDecisionChoices.KEEP, f"{wanted_source.source} is weaker than {owner.source}")
    return Decision(FieldDecisionChoices.UPDATE, "as strong or stronger, and as specific")
