"""Loading discovery fixtures into raw replies, and the canonical JSON form of facts."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from discovery.classify import classify
from discovery.facts import HostFacts, facts_to_dict
from discovery.parsers import parse_snmp, parse_ssh
from discovery.raw import CommandOutput, SnmpReply, SshReply
from discovery.snmprec import load

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SNMP_FIXTURES = sorted(p.name.removesuffix(".snmprec") for p in (FIXTURES / "snmp").glob("*.snmprec"))
SSH_FIXTURES = sorted(p.name.removesuffix(".json") for p in (FIXTURES / "ssh").glob("*.json")
                      if not p.name.endswith(".expected.json"))


def _stream(value: Any) -> bytes:
    if isinstance(value, dict):
        return base64.b64decode(value["base64"])
    return str(value or "").encode("utf-8")


def snmp_reply(name: str) -> SnmpReply:
    return SnmpReply(address="192.0.2.10", port=161, varbinds=load(FIXTURES / "snmp" / f"{name}.snmprec"))


def ssh_reply(name: str) -> SshReply:
    data = json.loads((FIXTURES / "ssh" / f"{name}.json").read_text(encoding="utf-8"))
    outputs = {
        key: CommandOutput(command=value["command"], exit_status=value.get("exit_status"),
                           stdout=_stream(value.get("stdout")), stderr=_stream(value.get("stderr")))
        for key, value in data["outputs"].items()
    }
    return SshReply(address=data["address"], port=data.get("port", 22), host_key_type=data.get("host_key_type"),
                    host_key_fingerprint=data.get("host_key_fingerprint"), banner=data.get("banner"),
                    shell=data.get("shell"), outputs=outputs)


def snmp_facts(name: str) -> HostFacts:
    return classify(parse_snmp(snmp_reply(name)))


def ssh_facts(name: str) -> HostFacts:
    return classify(parse_ssh(ssh_reply(name)))


def as_json(facts: HostFacts) -> Any:
    """Round-trip through JSON so tuples and lists compare equal to the stored files."""
    return json.loads(json.dumps(facts_to_dict(facts)))


def expected_path(kind: str, name: str) -> Path:
    return FIXTURES / kind / f"{name}.expected.json"
