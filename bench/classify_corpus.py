"""Benchmark: classification accuracy on the SNMP recordings of ../shared/corpus (no network, no database).

    .venv/bin/python bench/classify_corpus.py [--corpus DIR] [--generic-only] [--holdout | --train]
                                              [--view inventory|identify|all] [--misses N] [--json-only]

Every recording is read with discovery.snmprec, cut down to what the SNMP collector would fetch (``--view``:
``inventory`` = the identification GETs plus the subtrees a full inventory walks for its sysObjectID, the default;
``identify`` = the identification sweep's GETs only; ``all`` = every record), parsed with
discovery.parsers.parse_snmp and classified with discovery.classify. The result is compared with what LibreNMS's own
tests expect (manifest.json ``expected``), field by field:

- kind: the corpus category/subcategory (LibreNMS ``type``) mapped to the Estate kinds it may be (KIND_MAP below);
- manufacturer: the Estate maker must be named by LibreNMS's OS display name or hardware (aliases in MAKER_ALIASES);
- platform: Estate's platform and LibreNMS's OS display name share a word that is not a maker's name;
- version / model / serial: the same text (case and punctuation aside; either may contain the other), scored only
  where LibreNMS states a value that is not a redaction; a LibreNMS "version" that is the Linux kernel of sysDescr is
  not scored (Estate never takes a kernel for an OS version).

``--generic-only`` loads only the generic rule files (discovery.classify.GENERIC_RULE_FILES: registry + standard MIB
evidence), not the vendor-family ones. ``--holdout`` scores only the held-out recordings (30 % of each category,
chosen by a seeded hash of the name: no corpus data is stored here), ``--train`` only the others. Rules are written
from the training part (``--misses`` lists misses only there); the held-out figure predicts devices never seen.

Exit status 2 when the corpus is not there. The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from discovery.classify import classify, load_rules  # noqa: E402
from discovery.parsers import parse_snmp  # noqa: E402
from discovery.raw import SnmpReply  # noqa: E402
from discovery.snmprec import load  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
FIELDS = ("kind", "manufacturer", "platform", "version", "model", "serial")
HOLDOUT_SEED = "estate-issue-11-holdout-v1"
HOLDOUT_SHARE = 0.30

# corpus category (or "category/subcategory") -> the Estate kinds that are right for it
KIND_MAP: dict[str, set[str]] = {
    "network": {"switch", "router"},
    "firewall": {"firewall"},
    "wireless": {"wireless_ap"},
    "power/ups": {"ups"},
    "power/pdu-other": {"other", "ups"},  # PDUs and other power kit have no kind of their own
    "printer": {"printer"},
    "storage": {"storage"},
    "desktop": {"desktop", "laptop"},
    "server/windows": {"server", "virtual_machine"},
    "server/linux": {"server", "virtual_machine"},
    "server/unix": {"server", "virtual_machine"},
    "server/appliance": {"server", "virtual_machine"},
    "server/hypervisor": {"hypervisor", "server", "virtual_machine"},
    "server/bmc": {"bmc"},
    "server/chassis": {"bmc", "other"},  # blade chassis management modules
    "telephony/pbx": {"pbx"},
    "telephony/call-control": {"pbx"},
    "telephony/ata": {"voice_gateway"},
    "telephony/sbc": {"voice_gateway"},
    "telephony/dect": {"voice_gateway", "wireless_ap"},
    "telephony/video": {"ip_phone", "pbx"},
    "telephony/intercom": {"ip_phone", "voice_gateway"},
    "misc/appliance": {"other", "server"},
    "misc/management": {"bmc", "other"},
    "misc/loadbalancer": {"other", "router", "switch", "firewall"},
    "misc/collaboration": {"pbx", "ip_phone", "other"},
    "misc": {"other"},  # environment monitors, timing, cameras, encoders, sensors
}

# canonical Estate maker -> words LibreNMS uses for its products (lower case)
MAKER_ALIASES: dict[str, tuple[str, ...]] = {
    "HPE": ("hp", "hpe", "hewlett", "aruba", "procurve", "comware", "3com", "h3c", "proliant", "ilo", "msa", "msl"),
    "HP": ("hp", "hewlett", "jetdirect", "procurve"),
    "Cisco": ("cisco", "ios", "nx-os", "ucos", "asa", "ftd", "meraki", "linksys", "spa", "broadworks", "telepresence",
              "wlc", "ciscosb"),
    "Dell": ("dell", "drac", "idrac", "powerconnect", "force10", "ftos", "equallogic", "compellent", "powervault",
             "openmanage", "dnos", "emc"),
    "Lenovo": ("lenovo", "xcc", "xclarity", "thinksystem", "cnos"),
    "IBM": ("ibm", "imm", "aix", "os/400"),
    "Juniper": ("juniper", "junos", "screenos"),
    "Fortinet": ("forti",),
    "Palo Alto Networks": ("palo", "pan-os", "panos"),
    "Check Point": ("check point", "checkpoint", "gaia", "secureplatform"),
    "Huawei": ("huawei", "vrp", "oceanstor", "ibmc"),
    "Ubiquiti": ("ubiquiti", "unifi", "edgeos", "edgeswitch", "airos", "airfiber", "ubnt"),
    "Schneider Electric": ("apc", "schneider"),
    "APC": ("apc", "schneider"),
    "Eaton": ("eaton", "powerware"),
    "Vertiv": ("vertiv", "liebert", "geist", "avocent", "emerson"),
    "Microsoft": ("windows", "microsoft"),
    "Synology": ("synology", "dsm"),
    "Extreme Networks": ("extreme", "enterasys", "xos", "boss", "voss", "avaya", "aerohive", "hiveos"),
    "Alcatel-Lucent Enterprise": ("alcatel", "omniswitch", "aos"),
    "Nokia": ("nokia", "alcatel", "timos", "sros"),
    "Allied Telesis": ("allied", "awplus", "alliedware"),
    "Ruckus": ("ruckus", "brocade", "icx", "commscope"),
    "CommScope": ("ruckus", "arris", "commscope"),
    "Broadcom": ("brocade", "fabos", "broadcom"),
    "Zyxel": ("zyxel", "zywall"),
    "NetApp": ("netapp", "ontap"),
    "Ericsson": ("ericsson",),
    "Ribbon": ("ribbon", "sonus"),
    "Fujitsu": ("fujitsu", "irmc", "primergy"),
    "Supermicro": ("supermicro",),
    "Net-SNMP": (),
    "Konica Minolta": ("konica",),
    "FUJIFILM": ("fujifilm", "fuji xerox"),
    "Quantum": ("quantum",),
    "Cambium Networks": ("cambium", "epmp", "pmp", "ptp", "cnwave", "cnmatrix"),
    "D-Link": ("d-link", "dlink"),
    "Edgecore": ("edgecore", "edge-core", "accton"),
    "LANCOM": ("lancom", "lcos"),
    "Avaya": ("avaya", "ip office", "scopia"),
    "Mitel": ("mitel",),
    "Red Hat": ("red hat",),
    "Oracle": ("oracle", "solaris"),
}
# makers LibreNMS's display names leave out for generic systems: no maker is scored for these OSes
UNSCORED_MAKER_OS = {"linux", "freebsd", "openbsd", "netbsd", "dragonfly", "solaris", "unix", "macosx", "proxmox",
                     "pfsense", "opnsense", "dd-wrt", "freshtomato", "asuswrt-merlin", "truenas", "truenas-scale",
                     "cumulus", "vyos", "openwrt"}
_LINUX_FAMILY = {"linux", "ubuntu", "debian", "centos", "rhel", "red", "raspbian", "suse", "fedora", "rocky",
                 "alma", "almalinux", "oracle", "amazon", "alpine", "arch", "mint", "gentoo", "coreos"}
_STOP = {"the", "os", "system", "software", "firmware", "series", "management", "module", "network", "networks",
         "inc", "enterprise", "and", "of", "for", "server", "switch", "generic", "card", "unit", "device"}
_REDACTED = re.compile(r"(<private>|redacted|^1234ABC|^0?123456789|X{4,}$|^(\d)\2+$|^(?:n/?a|none|unknown)$)",
                       re.IGNORECASE)
# LibreNMS OS keys whose display name shares no word with the platform's usual name
PLATFORM_ALIASES: dict[str, tuple[str, ...]] = {
    "ftd": ("firepower", "ftd"), "asa": ("asa", "adaptive security"), "sonicwall": ("sonicos",),
    "panos": ("pan-os",), "ciscosb": ("small business", "ciscosb", "sx", "sg"),
    "procurve": ("procurve", "arubaos-switch"),
    "arubaos-cx": ("arubaos-cx", "aos-cx"), "ucos": ("ucos", "unified communications"), "jetdirect": ("jetdirect",),
    "dsm": ("dsm",), "vmware-vcsa": ("vcenter",),
}


def _norm(value: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (value or "").lower())


def _words(value: str | None) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", (value or "").lower()) if w}


def _maker_words() -> set[str]:
    words: set[str] = set()
    for maker, aliases in MAKER_ALIASES.items():
        words |= _words(maker)
        for alias in aliases:
            words |= _words(alias)
    return words - {"ios", "dsm", "aos", "boss", "xos", "ptp", "pmp", "epmp", "msa", "msl", "spa", "wlc", "asa",
                    "ftd", "imm", "xcc", "ilo", "drac", "idrac", "irmc", "ibmc", "lcos", "junos", "gaia", "vrp"}


_MAKER_WORDS = _maker_words()


def holdout_names(devices: list[dict[str, Any]]) -> set[str]:
    """30 % of each category, the names with the lowest seeded hash: fixed, and independent of the rules."""
    by_category: dict[str, list[str]] = defaultdict(list)
    for device in devices:
        by_category[device["category"]].append(device["name"])
    held: set[str] = set()
    for names in by_category.values():
        names.sort(key=lambda n: hashlib.sha256(f"{HOLDOUT_SEED}:{n}".encode()).hexdigest())
        held.update(names[: math.ceil(len(names) * HOLDOUT_SHARE)])
    return held


def kinds_for(device: dict[str, Any]) -> set[str]:
    category, sub = device["category"], device["subcategory"]
    return KIND_MAP.get(f"{category}/{sub}") or KIND_MAP.get(category) or {"other"}


def maker_right(maker: str | None, device: dict[str, Any]) -> bool | None:
    os_key = device["expected"].get("os") or device["os_from_filename"] or ""
    if os_key in UNSCORED_MAKER_OS or os_key.startswith("linux"):
        return None
    if not maker:
        return False
    said = f"{device.get('os_text') or ''} {device['expected'].get('hardware') or ''} {os_key}".lower()
    names = {maker.lower(), *(w for w in _words(maker) if len(w) > 2), *MAKER_ALIASES.get(maker, ())}
    return any(re.search(rf"(?<![a-z0-9]){re.escape(n)}", said) for n in names if n)


def platform_right(platform: str | None, device: dict[str, Any]) -> bool | None:
    os_text = device.get("os_text") or ""
    if not os_text:
        return None
    if not platform:
        return False
    os_key = device["expected"].get("os") or device["os_from_filename"] or ""
    if any(alias in platform.lower() for alias in PLATFORM_ALIASES.get(os_key, ())):
        return True
    ours = _words(platform) - _STOP
    theirs = (_words(os_text) | _words(os_key)) - _STOP
    if any(len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5] for a in ours for b in theirs - _MAKER_WORDS):
        return True  # "FortiOS" / "Fortinet Fortigate", "SonicOS" / "SonicWALL"
    if theirs <= _LINUX_FAMILY | {"generic"} and ours & _LINUX_FAMILY:
        return True
    if (ours - _MAKER_WORDS) & (theirs - _MAKER_WORDS):
        return True
    # a maker's single OS (LibreNMS names it by the maker alone: "Mikrotik RouterOS" vs "MikroTik")
    return bool(ours & theirs) and not (theirs - _MAKER_WORDS) or _norm(platform) in _norm(os_text) or (
        _norm(os_text) in _norm(platform))


def text_right(ours: str | None, theirs: str | None) -> bool | None:
    if not theirs or _REDACTED.search(theirs.strip()):
        return None
    if not ours:
        return False
    a, b = _norm(ours), _norm(theirs)
    return bool(a) and bool(b) and (a == b or (len(a) >= 3 and a in b) or (len(b) >= 3 and b in a))


def model_right(ours: str | None, theirs: str | None) -> bool | None:
    """The same text, or the same model number ("FGT_100E" / "FortiGate 100E")."""
    verdict = text_right(ours, theirs)
    if verdict is not False or not ours:
        return verdict
    numbers = {w for w in _words(ours) if len(w) >= 3 and re.search(r"\d", w)}
    return bool(numbers & {w for w in _words(theirs) if len(w) >= 3 and re.search(r"\d", w)})


def version_right(ours: str | None, device: dict[str, Any]) -> bool | None:
    theirs = device["expected"].get("version")
    descr = device["recorded"].get("sysDescr") or ""
    if theirs and re.search(rf"^Linux \S+ {re.escape(theirs)}\b", descr):
        return None  # LibreNMS's "version" is the kernel: not an OS version for Estate
    return text_right(ours, theirs)


def _specific(facts: Any, name: str) -> str | None:
    """A value Estate itself marks as generic (a kernel as OS version) is no conclusion."""
    evidence = facts.evidence_for(name)
    value = getattr(facts, name)
    return None if evidence is not None and not evidence.specific else value


def _view(varbinds: dict[str, Any], view: str) -> dict[str, Any]:
    if view == "all":
        return varbinds
    from discovery.collectors.snmp import (
        AGENT_ENTERPRISES,
        IDENTIFY_OIDS,
        MAX_ENTERPRISE_PROBES,
        VENDOR_SUBTREES,
        subtrees_for,
    )
    from discovery.snmprec import oid_key

    sys_object_id = str(varbinds.get("1.3.6.1.2.1.1.2.0") or "")
    roots = list(() if view == "identify" else subtrees_for(sys_object_id or None))
    wanted = set(IDENTIFY_OIDS)
    if view == "inventory" and sys_object_id.startswith("1.3.6.1.4.1.") and (
            int(sys_object_id.split(".")[6]) in AGENT_ENTERPRISES):
        # what the collector's enterprise probe reads: the first OID of each enterprise subtree, and its identity
        firsts: dict[int, str] = {}
        for oid in sorted((o for o in varbinds if o.startswith("1.3.6.1.4.1.")), key=oid_key):
            number = int(oid.split(".")[6])
            if number not in firsts and len(firsts) < MAX_ENTERPRISE_PROBES:
                firsts[number] = oid
        wanted |= set(firsts.values())
        for number in firsts:
            if number not in AGENT_ENTERPRISES:
                roots += VENDOR_SUBTREES.get(number, ())
    prefixes = tuple(root + "." for root in roots)
    return {oid: value for oid, value in varbinds.items() if oid in wanted or oid.startswith(prefixes)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    corpus = Path(args.corpus)
    manifest = corpus / "manifest.json"
    if not manifest.is_file():
        print(f"corpus not found: {manifest} (pass --corpus DIR)", file=sys.stderr)
        raise SystemExit(2)
    devices = json.loads(manifest.read_text(encoding="utf-8"))["devices"]
    held = holdout_names(devices)
    if args.holdout:
        devices = [d for d in devices if d["name"] in held]
    elif args.train:
        devices = [d for d in devices if d["name"] not in held]
    rules = load_rules(generic_only=args.generic_only)
    right: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    scored: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses: list[str] = []
    started = time.perf_counter()
    for device in devices:
        varbinds = _view(load(corpus / device["corpus_file"]), args.view)
        facts = classify(parse_snmp(SnmpReply(address="192.0.2.1", port=161, varbinds=varbinds)), rules)
        verdicts = {
            "kind": facts.kind in kinds_for(device),
            "manufacturer": maker_right(facts.manufacturer, device),
            "platform": platform_right(facts.platform, device),
            "version": version_right(_specific(facts, "version"), device),
            "model": model_right(facts.model, device["expected"].get("hardware")),
            "serial": text_right(facts.serial, device["expected"].get("serial")),
        }
        wrong = []
        for name, ok in verdicts.items():
            if ok is None:
                continue
            for bucket in (device["category"], "all"):
                scored[bucket][name] += 1
                right[bucket][name] += int(ok)
            if not ok:
                wrong.append(name)
        if wrong and device["name"] not in held:
            exp = device["expected"]
            misses.append(
                f"{device['name']} [{device['category']}/{device['subcategory']}] {','.join(wrong)}: "
                f"got kind={facts.kind} maker={facts.manufacturer} platform={facts.platform} "
                f"version={facts.version} model={facts.model} serial={facts.serial} | want {sorted(kinds_for(device))}"
                f" os={device.get('os_text')} hw={exp.get('hardware')} ver={exp.get('version')} "
                f"serial={exp.get('serial')}")
    elapsed = time.perf_counter() - started

    def pct(r: int, s: int) -> float:
        return round(100.0 * r / s, 1) if s else 100.0

    table: dict[str, Any] = {}
    for bucket in sorted(scored, key=lambda b: (b == "all", b)):
        row = {name: [right[bucket][name], scored[bucket][name]] for name in FIELDS}
        total_r = sum(right[bucket].values())
        total_s = sum(scored[bucket].values())
        row["all_fields_pct"] = pct(total_r, total_s)
        table[bucket] = row
    if not args.json_only:
        print(f"{'category':<12} " + " ".join(f"{f:>14}" for f in FIELDS) + f" {'all fields':>10}")
        for bucket, row in table.items():
            cells = " ".join(f"{row[f][0]:>5}/{row[f][1]:<4}{pct(*row[f]):>4.0f}%" for f in FIELDS)
            print(f"{bucket:<12} {cells} {row['all_fields_pct']:>9.1f}%")
        for line in misses[: args.misses]:
            print("MISS", line, flush=True)
    subset = "holdout" if args.holdout else "train" if args.train else "all"
    return {"bench": "classify_corpus", "subset": subset, "generic_only": args.generic_only, "view": args.view,
            "recordings": len(devices), "seconds": round(elapsed, 2),
            "kind_pct": pct(*table["all"]["kind"]) if "all" in table else None,
            "all_fields_pct": table.get("all", {}).get("all_fields_pct"),
            "per_category": {b: {"all_fields_pct": r["all_fields_pct"], "kind_pct": pct(*r["kind"])}
                             for b, r in table.items()},
            "fields": {f: table["all"][f] for f in FIELDS} if "all" in table else {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--generic-only", action="store_true", help="registry + standard MIB rules only")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--holdout", action="store_true", help="score only the held-out recordings")
    group.add_argument("--train", action="store_true", help="score only the recordings rules may be written from")
    parser.add_argument("--view", choices=("inventory", "identify", "all"), default="inventory")
    parser.add_argument("--misses", type=int, default=0, help="list up to N misses (training recordings only)")
    parser.add_argument("--json-only", action="store_true")
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()
