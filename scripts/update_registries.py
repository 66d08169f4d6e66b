"""Regenerate the public registries discovery ships: IANA Private Enterprise Numbers and the IEEE OUI list.

    .venv/bin/python scripts/update_registries.py [--enterprises FILE] [--oui FILE] [--out DIR]

Sources are Debian's copies (``apt-get install libwireshark-data ieee-data``):
/usr/share/wireshark/enterprises.tsv ("<number><TAB><name>", from iana.org/assignments/enterprise-numbers) and
/usr/share/ieee-data/oui.csv ("Registry,Assignment,Organization Name,Organization Address"). Writes
discovery/data/enterprises.tsv.gz and discovery/data/oui.tsv.gz ("<key><TAB><name>", sorted; gzip without a
timestamp, so the same input gives the same bytes). `manage.py refresh_registries` runs the same code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from discovery.registry import DATA_DIR, DEFAULT_ENTERPRISES_SOURCE, DEFAULT_OUI_SOURCE, write_registries  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", default=DEFAULT_ENTERPRISES_SOURCE)
    parser.add_argument("--oui", default=DEFAULT_OUI_SOURCE)
    parser.add_argument("--out", default=str(DATA_DIR))
    args = parser.parse_args()
    try:
        counts = write_registries(enterprises=args.enterprises, oui=args.oui, out=args.out)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"wrote {counts['enterprises']} enterprise numbers and {counts['oui']} OUIs to {args.out}")


if __name__ == "__main__":
    main()
