"""ENTITY-MIB entPhysicalTable: the chassis (or the top-most container) gives model, serial, revisions."""

from __future__ import annotations

from typing import Any

from discovery.parsers import text
from discovery.parsers.mib import Mib

ENT = "1.3.6.1.2.1.47.1.1.1.1"
COL_DESCR, COL_CONTAINED_IN, COL_CLASS, COL_NAME = 2, 4, 5, 7
COL_HW, COL_FW, COL_SW, COL_SERIAL, COL_MFG, COL_MODEL = 8, 9, 10, 11, 12, 13
CLASS_CHASSIS, CLASS_CONTAINER, CLASS_STACK = 3, 5, 11

# entity model names that say nothing
_JUNK_MODELS = {"chassis", "unknown", "n/a", "none", "-", "system", "stack"}


def _columns(mib: Mib) -> dict[int, dict[int, Any]]:
    """entPhysicalTable as {entPhysicalIndex: {column: value}} for the columns we use."""
    rows: dict[int, dict[int, Any]] = {}
    for col in (COL_DESCR, COL_CONTAINED_IN, COL_CLASS, COL_NAME, COL_HW, COL_FW, COL_SW, COL_SERIAL, COL_MFG,
                COL_MODEL):
        for index, value in mib.column(f"{ENT}.{col}").items():
            if len(index) == 1:
                rows.setdefault(index[0], {})[col] = value
    return rows


def pick_chassis(rows: dict[int, dict[int, Any]]) -> int | None:
    """The first chassis with the shallowest containment; else the top-most container."""
    if not rows:
        return None

    def depth(index: int) -> int:
        seen = set()
        d = 0
        while index in rows and index not in seen and d < 64:
            seen.add(index)
            parent = text.to_int(rows[index].get(COL_CONTAINED_IN)) or 0
            if parent == 0:
                break
            index, d = parent, d + 1
        return d

    chassis = [i for i, row in rows.items() if text.to_int(row.get(COL_CLASS)) == CLASS_CHASSIS]
    # prefer a chassis that has a serial or model (stack members over an empty stack chassis)
    chassis.sort(key=lambda i: (depth(i), not rows[i].get(COL_SERIAL), i))
    if chassis:
        return chassis[0]
    top = [i for i, row in rows.items() if (text.to_int(row.get(COL_CONTAINED_IN)) or 0) == 0]
    top.sort(key=lambda i: (text.to_int(rows[i].get(COL_CLASS)) not in (CLASS_CONTAINER, CLASS_STACK), i))
    return top[0] if top else None


_DETAIL = {"model": "entPhysicalModelName", "serial": "entPhysicalSerialNum",
           "hardware_revision": "entPhysicalHardwareRev", "firmware": "entPhysicalSoftwareRev/FirmwareRev",
           "manufacturer": "entPhysicalMfgName",
           "version": "entPhysicalSoftwareRev"}


def parse(mib: Mib) -> dict[str, Any]:
    rows = _columns(mib)
    index = pick_chassis(rows)
    if index is None:
        return {}
    row = rows[index]
    model = text.name(row.get(COL_MODEL))
    if model and model.lower() in _JUNK_MODELS:
        model = None
    out: dict[str, Any] = {
        "model": model,
        "serial": text.serial(row.get(COL_SERIAL)),
        "hardware_revision": text.name(row.get(COL_HW)),
        "firmware": text.name(row.get(COL_SW)) or text.name(row.get(COL_FW)),
        "manufacturer": text.placeholder(text.name(row.get(COL_MFG))),
        # the chassis's software revision is the release it runs (network OSes, appliances)
        "version": text.placeholder(text.name(row.get(COL_SW))),
    }
    descr = text.name(row.get(COL_DESCR))
    extra = {"entity_descr": descr} if descr else {}
    if text.name(row.get(COL_FW)) and text.name(row.get(COL_SW)):
        extra["entity_firmware"] = text.name(row.get(COL_FW)) or ""
    result: dict[str, Any] = {k: v for k, v in out.items() if v}
    result["_detail"] = {key: f"ENTITY-MIB {column} of entity {index}" for key, column in _DETAIL.items()}
    if extra:
        result["extra"] = extra
    return result
