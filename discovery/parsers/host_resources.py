"""HOST-RESOURCES-MIB: memory, storage, devices (processors, printers), running and installed software."""

from __future__ import annotations

import re
from typing import Any

from discovery.facts import DiskFact, SoftwareFact
from discovery.parsers import text
from discovery.parsers.mib import Mib, as_oid, date_and_time

HOST_RESOURCES = "1.3.6.1.2.1.25"
HR_MEMORY_SIZE = "1.3.6.1.2.1.25.2.2.0"  # KiB
HR_STORAGE = "1.3.6.1.2.1.25.2.3.1"
HR_STORAGE_TYPES = "1.3.6.1.2.1.25.2.1"
HR_DEVICE = "1.3.6.1.2.1.25.3.2.1"
HR_DEVICE_TYPES = "1.3.6.1.2.1.25.3.1"
HR_SWRUN_NAME = "1.3.6.1.2.1.25.4.2.1.2"
HR_SWINSTALLED = "1.3.6.1.2.1.25.6.3.1"

STORAGE_KINDS = {2: "ram", 3: "virtual", 4: "disk", 5: "removable", 6: "floppy", 7: "cdrom", 8: "ramdisk",
                 9: "flash", 10: "network"}
DEVICE_TYPES = {1: "other", 2: "unknown", 3: "processor", 4: "network", 5: "printer", 6: "disk_storage",
                10: "video", 11: "audio", 12: "coprocessor", 13: "keyboard", 14: "modem", 15: "parallel_port",
                16: "pointing", 17: "serial_port", 18: "tape", 19: "clock", 20: "volatile_memory",
                21: "nonvolatile_memory"}
SOFTWARE_TYPES = {1: "unknown", 2: "operating_system", 3: "device_driver", 4: "application"}

MAX_SOFTWARE = 20000
MAX_PROCESSES = 2000

_ARCHS = r"(?:x86_64|noarch|i[3-6]86|aarch64|armv7hl|ppc64le|s390x|amd64|arm64|armhf|all|i386|src)"
_DPKG = re.compile(rf"^(?P<name>[a-z0-9][a-z0-9+.\-]*)_(?P<version>[^_\s]+)_(?P<arch>{_ARCHS})$")
_RPM = re.compile(rf"^(?P<name>.+?)-(?P<version>[^-\s]+-[^-\s]+?)(?:\.(?P<arch>{_ARCHS}))?$")
_TRAILING_VERSION = re.compile(r"^(?P<name>.*?\S)(?:\s+-\s+|\s+v|\s+)(?P<version>\d+(?:\.\d+){1,4}[\w.\-+]*)$")


def split_package(label: str) -> tuple[str, str | None, str | None]:
    """'openssh-server_1:8.9p1-3_amd64' / 'bash-5.1.8-6.el9.x86_64' / 'Foo 1.2.3' -> (name, version, arch)."""
    for pattern in (_DPKG, _RPM):
        match = pattern.match(label)
        if match and re.match(r"\d", match.group("version").split(":")[-1]):
            return match.group("name"), match.group("version"), match.groupdict().get("arch")
    match = _TRAILING_VERSION.match(label)
    if match:
        return match.group("name"), match.group("version"), None
    return label, None, None


def _type_name(value: Any, base: str, names: dict[int, str]) -> str | None:
    oid = as_oid(value)
    if oid and oid.startswith(base + "."):
        tail = oid[len(base) + 1 :]
        if tail.isdigit():
            return names.get(int(tail), "other")
    return None


def parse(mib: Mib) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not mib.has(HOST_RESOURCES):
        return out  # an identification sweep, or an agent without the MIB: skip a dozen empty columns
    mem_kib = mib.int(HR_MEMORY_SIZE)
    if mem_kib and mem_kib > 0:
        out["memory_bytes"] = mem_kib * 1024

    # storage: physical RAM (when hrMemorySize is absent) and fixed/network disks
    disks: list[DiskFact] = []
    types = mib.column(f"{HR_STORAGE}.2")
    descrs = mib.column(f"{HR_STORAGE}.3")
    units = mib.column(f"{HR_STORAGE}.4")
    sizes = mib.column(f"{HR_STORAGE}.5")
    for index, type_value in types.items():
        kind = _type_name(type_value, HR_STORAGE_TYPES, STORAGE_KINDS)
        unit = text.to_int(units.get(index)) or 0
        size = text.to_int(sizes.get(index))
        size_bytes = size * unit if size is not None and size >= 0 and unit > 0 else None
        label = text.name(descrs.get(index)) or f"storage{index[0] if index else ''}"
        if kind == "ram" and "memory_bytes" not in out and size_bytes and "physical" in label.lower():
            out["memory_bytes"] = size_bytes
        elif kind in ("disk", "network", "flash") and size_bytes:
            disks.append(DiskFact(name=label, size_bytes=size_bytes, kind=kind))
    if disks:
        out["disks"] = tuple(disks[:256])

    # devices: processors (count + model) and device types for classification
    device_types: set[str] = set()
    cpus: list[str] = []
    dev_types = mib.column(f"{HR_DEVICE}.2")
    dev_descrs = mib.column(f"{HR_DEVICE}.3")
    printer_descr = None
    for index, type_value in dev_types.items():
        kind = _type_name(type_value, HR_DEVICE_TYPES, DEVICE_TYPES)
        if not kind:
            continue
        device_types.add(kind)
        label = text.name(dev_descrs.get(index))
        if kind == "processor":
            cpus.append(label or "")
        elif kind == "printer" and label and printer_descr is None:
            printer_descr = label
    if cpus:
        out["cpu_count"] = len(cpus)
        named = [c for c in cpus if c and not c.lower().startswith(("unknown", "guessing"))]
        if named:
            out["cpu_model"] = named[0]
    if device_types:
        out["device_types"] = tuple(sorted(device_types))
    if printer_descr:
        out.setdefault("extra", {})["printer_descr"] = printer_descr

    processes = {text.name(v) for v in list(mib.column(HR_SWRUN_NAME).values())[: MAX_PROCESSES * 10]}
    processes.discard(None)
    if processes:
        out["processes"] = tuple(sorted(processes))[:MAX_PROCESSES]  # type: ignore[arg-type]

    software: dict[tuple[str, str | None], SoftwareFact] = {}
    names = mib.column(f"{HR_SWINSTALLED}.2")
    dates = mib.column(f"{HR_SWINSTALLED}.5")
    for index, value in names.items():
        label = text.name(value)
        if not label:
            continue
        product, version, arch = split_package(label)
        key = (product, version)
        if key not in software:
            software[key] = SoftwareFact(product=product, version=version, architecture=arch,
                                         install_date=date_and_time(dates.get(index)))
        if len(software) >= MAX_SOFTWARE:
            break
    if software:
        out["software"] = tuple(sorted(software.values(), key=lambda s: (s.product.lower(), s.version or "")))
    return out
