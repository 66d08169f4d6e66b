"""Regenerate the expected.json of every discovery fixture: `python -m tests.discovery.regen`.

Run it only after an intentional parser or rule change, then review the diff before committing.
"""

from __future__ import annotations

import json

from tests.discovery.helpers import SNMP_FIXTURES, SSH_FIXTURES, as_json, expected_path, snmp_facts, ssh_facts


def main() -> None:
    for name in SNMP_FIXTURES:
        expected_path("snmp", name).write_text(json.dumps(as_json(snmp_facts(name)), indent=2, ensure_ascii=False)
                                               + "\n", encoding="utf-8")
    for name in SSH_FIXTURES:
        expected_path("ssh", name).write_text(json.dumps(as_json(ssh_facts(name)), indent=2, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
    print(f"wrote {len(SNMP_FIXTURES)} SNMP and {len(SSH_FIXTURES)} SSH expected files")


if __name__ == "__main__":
    main()
