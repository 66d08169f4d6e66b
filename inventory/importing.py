"""Reading spreadsheets for import: CSV/XLSX into rows, header → field mapping, and cell value parsing.

No database access here (see inventory/services_import.py for matching and writing). Everything that can go wrong
with a file raises ImportFileError with a message fit to show a person; a cell that cannot be parsed raises
ValueError with a short message, which the service prefixes with the row number and field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import ipaddress
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from inventory.choices import CriticalityChoices, DeviceKindChoices, DeviceStatusChoices

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
# An XLSX is a zip: refuse one that inflates to far more than any honest register (zip bomb).
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
HEADER_SCAN_ROWS = 10

IGNORE = ""


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (wrong type, too big, unreadable)."""


# --- Targets per model ------------------------------------------------------------------------------------------------

# model key -> {field: label}. Order is the order shown in the mapping selects.
TARGETS: dict[str, dict[str, str]] = {
    "devices": {
        "name": "Name", "kind": "Device type", "status": "Status", "site": "Site", "location": "Location (room)",
        "manufacturer": "Manufacturer", "hardware_model": "Hardware model", "serial": "Serial number",
        "asset_tag": "Asset tag", "platform": "Platform (OS)", "os_version": "Platform version",
        "firmware": "Firmware", "primary_ip": "Primary IP", "management_ip": "Management IP",
        "purchase_date": "Purchase date", "warranty_end": "Warranty end", "purchase_cost": "Purchase cost (£)",
        "department": "Department", "criticality": "Criticality", "description": "Description",
        "comments": "Comments",
    },
    "sites": {
        "name": "Name", "slug": "Slug", "address": "Address", "time_zone": "Time zone",
        "description": "Description", "comments": "Comments",
    },
    "hardware-models": {
        "manufacturer": "Manufacturer", "model": "Model", "slug": "Slug", "part_number": "Part number",
        "kind": "Device type", "release_date": "Release date", "end_of_sale": "End of sale",
        "end_of_support": "End of support", "unit_cost": "Unit cost (£)", "description": "Description",
        "comments": "Comments",
    },
    "applications": {
        "name": "Name", "slug": "Slug", "owner": "Owner", "department": "Department",
        "criticality": "Criticality", "vendor": "Vendor", "description": "Description", "comments": "Comments",
    },
}
MODEL_LABELS = {"devices": "Devices", "sites": "Sites", "hardware-models": "Hardware models (with manufacturer)",
                "applications": "Applications"}

# Header synonyms, written as people write them; compared after normalise_header().
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "kind": ("type", "category", "device type", "asset type", "kind", "class", "device category", "asset class",
             "equipment type", "hardware type"),
    "status": ("status", "state", "asset status", "lifecycle status"),
    "site": ("site", "location", "building", "office", "site code", "premises"),
    "location": ("room", "floor", "room floor", "cabinet", "rack", "area", "sublocation", "comms room"),
    "manufacturer": ("manufacturer", "make", "vendor", "brand", "maker", "oem", "supplier"),
    "hardware_model": ("model", "hardware model", "model name", "product", "model number", "model no"),
    "model": ("model", "hardware model", "model name", "product", "product name"),
    "serial": ("serial", "serial no", "serial number", "serial num", "serialno", "s n", "sn", "service tag",
               "serial service tag"),
    "asset_tag": ("asset tag", "asset no", "asset number", "asset num", "asset id", "asset ref", "asset reference",
                  "tag", "inventory number", "barcode"),
    "platform": ("os", "operating system", "platform", "os name", "operating system name"),
    "os_version": ("os version", "platform version", "operating system version", "os build", "version"),
    "firmware": ("firmware", "firmware version", "bios", "bios version"),
    "primary_ip": ("ip address", "ip", "ipv4", "ipv4 address", "primary ip", "ip addr"),
    "management_ip": ("management ip", "mgmt ip", "idrac ip", "ilo ip", "oob ip", "management address"),
    "purchase_date": ("purchase date", "date purchased", "purchased", "purchased on", "acquisition date",
                      "date acquired", "bought", "install date", "date of purchase"),
    "warranty_end": ("warranty expiry", "warranty end", "warranty expires", "warranty end date",
                     "warranty expiry date", "warranty until", "warranty", "end of warranty"),
    "purchase_cost": ("cost", "price", "purchase cost", "purchase price", "value", "cost gbp", "cost ex vat",
                      "unit price"),
    "department": ("department", "service", "directorate", "business unit", "team", "owning department",
                   "service area", "dept"),
    "criticality": ("criticality", "priority", "business criticality", "tier", "importance"),
    "description": ("description", "notes", "note", "details"),
    "comments": ("comments", "comment", "remarks"),
    "slug": ("slug", "short name", "code"),
    "address": ("address", "postal address", "street address"),
    "time_zone": ("time zone", "timezone", "tz"),
    "part_number": ("part number", "part no", "sku", "product code", "part"),
    "release_date": ("release date", "released", "launch date"),
    "end_of_sale": ("end of sale", "eos", "end of sale date", "eosl", "end of life", "eol"),
    "end_of_support": ("end of support", "end of support date", "eosupport", "end of service", "support ends",
                       "ldos", "last day of support"),
    "unit_cost": ("unit cost", "cost", "price", "unit price", "replacement cost"),
    "owner": ("owner", "business owner", "system owner", "application owner", "service owner"),
    "vendor": ("vendor", "supplier", "software vendor", "manufacturer"),
}


# "Name" means different things per model; "Application" on a device register is not the device's name.
_NAME_SYNONYMS: dict[str, tuple[str, ...]] = {
    "devices": ("hostname", "host name", "computer name", "device name", "asset name", "machine name", "server name",
                "device", "host", "dns name", "netbios name"),
    "sites": ("site", "site name", "building", "building name", "location", "location name", "office"),
    "hardware-models": (),
    "applications": ("application", "application name", "system", "system name", "service name", "app"),
}


def normalise_header(text: object) -> str:
    """'Serial No.' -> 'serial no'; case, spaces and punctuation do not matter."""
    words = re.sub(r"[^0-9a-z]+", " ", str(text or "").lower()).split()
    return " ".join(words)


def _header_key(text: object) -> str:
    return normalise_header(text).replace(" ", "")


def guess_field(header: object, model: str) -> str:
    """The target field a header most likely means for `model`, or IGNORE."""
    targets = TARGETS[model]
    key = _header_key(header)
    if not key:
        return IGNORE
    for target in targets:
        synonyms = _SYNONYMS.get(target, ()) + (_NAME_SYNONYMS[model] if target == "name" else ())
        if key == target.replace("_", "") or any(key == s.replace(" ", "") for s in synonyms):
            return target
    # For sites and applications "Name" is the name; for devices "Site name" means the site.
    if model == "devices" and key in ("sitename", "buildingname", "locationname"):
        return "site"
    return IGNORE


def guess_mapping(headers: list[str], model: str, overrides: dict[str, str] | None = None) -> list[str]:
    """One target per column (first column wins a target); `overrides` maps a header to a field or IGNORE."""
    targets = TARGETS[model]
    by_header = {normalise_header(k): v for k, v in (overrides or {}).items()}
    mapping: list[str] = []
    used: set[str] = set()
    # "Location" usually means the building, but beside a "Site" column (as in our own export) it is the room.
    has_site = model == "devices" and any(_header_key(h) in ("site", "sitename") for h in headers)
    for header in headers:
        norm = normalise_header(header)
        if norm in by_header:
            target = by_header[norm] if by_header[norm] in targets else IGNORE
        elif has_site and _header_key(header) in ("location", "locationname"):
            target = "location"
        else:
            target = guess_field(header, model)
        if target and target in used:
            target = IGNORE
        if target:
            used.add(target)
        mapping.append(target)
    return mapping


def mapping_problems(mapping: list[str], model: str) -> list[str]:
    """Required targets that no column provides."""
    required = {"devices": ("name",), "sites": ("name",), "hardware-models": ("manufacturer", "model"),
                "applications": ("name",)}[model]
    return [f"No column is mapped to {TARGETS[model][f].lower()} ({f})." for f in required if f not in mapping]


# --- Reading files ----------------------------------------------------------------------------------------------------


@dataclass
class Table:
    """A sheet as read: headers, and rows of cells with the spreadsheet row number of each."""

    headers: list[str]
    rows: list[list[Any]]
    row_numbers: list[int]
    file_type: str
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)


def read_table(data: bytes, filename: str = "", *, max_rows: int | None = None) -> Table:
    """Read a CSV or XLSX file's first sheet. The header row is found among the first rows (title rows skipped)."""
    max_rows = max_rows or MAX_ROWS
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is too large ({len(data) // (1024 * 1024)} MB): the limit is "
                              f"{MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files.")
    if not data.strip():
        raise ImportFileError("The file is empty.")
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, max_rows=max_rows)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise ImportFileError("This is an old Excel (.xls) file: save it as .xlsx or CSV and upload that.")
    if name.endswith((".xlsx", ".xlsm")):
        raise ImportFileError("This file is named .xlsx but is not an Excel workbook.")
    if data[:5] in (b"%PDF-",) or b"\x00" in data[:4096]:
        raise ImportFileError("This is not a CSV or XLSX file. Upload a .csv or .xlsx spreadsheet.")
    return _read_csv(data, max_rows=max_rows)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:  # an odd length, a lone surrogate: not a text file at all
            raise ImportFileError("The file starts like UTF-16 text but is not: save it as UTF-8 CSV and upload "
                                  "that.") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Excel on Windows saves "CSV" as Windows-1252; a few bytes are undefined there, latin-1 takes anything.
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _sniff_delimiter(text: str) -> str:
    sample_lines = [line for line in text.splitlines()[:HEADER_SCAN_ROWS + 5] if line.strip()]
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t", "|"):
        counts = [line.count(delimiter) for line in sample_lines]
        score = max(counts, default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, *, max_rows: int) -> Table:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise ImportFileError("This is not a CSV or XLSX file. Upload a .csv or .xlsx spreadsheet.")
    delimiter = _sniff_delimiter(text)
    csv.field_size_limit(MAX_CELL_CHARS * 10)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    raw: list[list[Any]] = []
    try:
        for record in reader:
            if len(raw) > max_rows + HEADER_SCAN_ROWS:
                raise ImportFileError(f"The file has more than {max_rows:,} rows: split it into smaller files.")
            raw.append(record)
    except csv.Error as exc:
        raise ImportFileError(f"The CSV file cannot be read (line {reader.line_num}): {exc}.") from exc
    numbers = list(range(1, len(raw) + 1))
    return _table_from_raw(raw, numbers, "csv", encoding=encoding, delimiter=delimiter, max_rows=max_rows)


def _read_xlsx(data: bytes, *, max_rows: int) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "xl/workbook.xml" not in names:
                raise ImportFileError("This is a zip file but not an Excel workbook. Upload a .csv or .xlsx file.")
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise ImportFileError("The workbook is too large once unpacked: split it into smaller files.")
    except zipfile.BadZipFile as exc:
        raise ImportFileError("The Excel file is damaged or not really an .xlsx file.") from exc
    import openpyxl  # imported here: only XLSX needs it

    try:
        # Not data_only: a formula cell comes back as its text ("=SUM(...)") and is stored as text, never run.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise ImportFileError(f"The Excel file cannot be read: {type(exc).__name__}.") from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ImportFileError("The workbook has no sheets.")
        raw: list[list[Any]] = []
        numbers: list[int] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            if len(raw) > max_rows + HEADER_SCAN_ROWS:
                raise ImportFileError(f"The file has more than {max_rows:,} rows: split it into smaller files.")
            raw.append(list(values))
            numbers.append(number)
    finally:
        book.close()
    notes = [f"Read the first sheet, “{sheet.title}”."] if len(book.sheetnames) > 1 else []
    table = _table_from_raw(raw, numbers, "xlsx", max_rows=max_rows)
    table.notes.extend(notes)
    return table


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_score(cells: list[Any]) -> int:
    filled = [c for c in cells if not _blank(c)]
    if len(filled) < 2 or not all(isinstance(c, str) for c in filled):
        return -1
    return sum(1 for c in filled for model in TARGETS if guess_field(c, model)) + len(filled) // 4


def _table_from_raw(raw: list[list[Any]], numbers: list[int], file_type: str, *, max_rows: int, **extra) -> Table:
    # The header row: among the first rows, the one whose cells look most like known headers (skips title rows).
    candidates = [(i, _header_score(raw[i])) for i in range(min(HEADER_SCAN_ROWS, len(raw)))]
    candidates = [c for c in candidates if c[1] >= 0]
    if not candidates:
        raise ImportFileError("No header row found: the first row should hold column names such as Hostname, "
                              "Serial Number, Site.")
    header_index = max(candidates, key=lambda c: (c[1], -c[0]))[0]
    header_cells = raw[header_index]
    width = max((i + 1 for i, c in enumerate(header_cells) if not _blank(c)), default=0)
    if width > MAX_COLUMNS:
        raise ImportFileError(f"The file has more than {MAX_COLUMNS} columns.")
    headers = [str(c).strip() if c is not None else "" for c in header_cells[:width]]
    headers = [h or f"Column {i + 1}" for i, h in enumerate(headers)]
    rows: list[list[Any]] = []
    row_numbers: list[int] = []
    for cells, number in zip(raw[header_index + 1:], numbers[header_index + 1:], strict=True):
        cells = list(cells[:width]) + [None] * (width - len(cells))
        if all(_blank(c) for c in cells):
            continue
        rows.append([_clip(c) for c in cells])
        row_numbers.append(number)
    if len(rows) > max_rows:
        raise ImportFileError(f"The file has {len(rows):,} rows: the limit is {max_rows:,}. Split it into smaller "
                              "files.")
    if not rows:
        raise ImportFileError("The file has a header row but no data rows.")
    return Table(headers=headers, rows=rows, row_numbers=row_numbers, file_type=file_type, **extra)


def _clip(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()
        if len(value) > MAX_CELL_CHARS:
            value = value[:MAX_CELL_CHARS]
    return value


# --- Parsing cell values ----------------------------------------------------------------------------------------------

NULL_TOKENS = frozenset({"", "-", "--", "—", "n/a", "na", "none", "null", "nil", "unknown", "tbc", "tba", "?", "#n/a"})
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_DMY_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YMD_RE = re.compile(
    r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_DMONY_RE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/]+([a-z]{3,9})\.?[\s\-/,]+(\d{2}|\d{4})$")
_DMY_TIME_RE = re.compile(r"^(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4})\s+\d{1,2}:\d{2}(?::\d{2})?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in NULL_TOKENS)


def as_text(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def parse_date(value: Any) -> dt.date | None:
    """UK dates first: 31/03/2019, 1/4/19, 1 Apr 2019, 01-Apr-2019; also ISO and Excel date cells or serials."""
    if is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 120_000:  # an Excel serial date that lost its date format
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(f"“{as_text(value)}” is not a date")
    text = str(value).strip()
    lowered = text.lower()
    match = _DMY_TIME_RE.match(lowered)
    if match:
        lowered = match.group(1)
    try:
        if m := _DMY_RE.match(lowered):
            return dt.date(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m := _YMD_RE.match(lowered):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _DMONY_RE.match(lowered):
            month = _MONTHS.get(m.group(2)[:3])
            if month is None:
                raise ValueError
            return dt.date(_year(m.group(3)), month, int(m.group(1)))
    except ValueError:
        raise ValueError(f"“{text}” is not a valid date") from None
    raise ValueError(f"“{text}” is not a date: use dd/mm/yyyy")


def parse_decimal(value: Any) -> Decimal | None:
    """Money: '£1,234.50', '1234', 'GBP 99.99'."""
    if is_empty(value):
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    text = str(value).strip()
    cleaned = re.sub(r"(?i)^gbp|gbp$|£|,|\s", "", text)
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text}” is not an amount of money") from None
    if not number.is_finite():
        raise ValueError(f"“{text}” is not an amount of money")
    return number.quantize(Decimal("0.01"))


def parse_ip(value: Any) -> str | None:
    """An IPv4/IPv6 address; '10.0.0.5/24' keeps the address; 'DHCP' means none."""
    if is_empty(value) or (isinstance(value, str) and value.strip().lower() in ("dhcp", "dynamic")):
        return None
    text = as_text(value).split("/")[0].strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"“{as_text(value)}” is not an IP address") from None


_KIND_SYNONYMS: dict[str, tuple[str, ...]] = {
    DeviceKindChoices.SERVER: ("server", "physical server", "rack server", "tower server", "blade", "blade server",
                               "srv", "database server", "file server", "web server"),
    DeviceKindChoices.VIRTUAL_MACHINE: ("virtual machine", "vm", "virtual server", "virtual", "guest"),
    DeviceKindChoices.HYPERVISOR: ("hypervisor", "esxi", "esxi host", "vmware host", "hyper v host", "vm host",
                                   "virtualisation host", "virtualization host"),
    DeviceKindChoices.DESKTOP: ("desktop", "pc", "desktop pc", "workstation", "computer", "all in one", "aio",
                                "sff", "small form factor", "tower"),
    DeviceKindChoices.LAPTOP: ("laptop", "notebook", "ultrabook", "portable", "laptop pc", "2 in 1", "convertible"),
    DeviceKindChoices.THIN_CLIENT: ("thin client", "zero client", "wyse"),
    DeviceKindChoices.IP_PHONE: ("ip phone", "phone", "desk phone", "handset", "voip phone", "telephone",
                                 "deskphone", "sip phone"),
    DeviceKindChoices.PBX: ("pbx", "phone system", "telephone system", "call manager", "callmanager", "ip pbx",
                            "telephony server", "call server"),
    DeviceKindChoices.VOICE_GATEWAY: ("voice gateway", "gateway", "sip gateway", "isdn gateway", "media gateway"),
    DeviceKindChoices.SWITCH: ("switch", "network switch", "ethernet switch", "core switch", "edge switch",
                               "access switch", "poe switch"),
    DeviceKindChoices.ROUTER: ("router", "wan router"),
    DeviceKindChoices.FIREWALL: ("firewall", "fw", "utm", "security appliance"),
    DeviceKindChoices.WIRELESS_AP: ("wireless ap", "access point", "ap", "wap", "wifi", "wi fi", "wifi ap",
                                    "wireless access point", "wireless"),
    DeviceKindChoices.UPS: ("ups", "uninterruptible power supply", "power supply"),
    DeviceKindChoices.PRINTER: ("printer", "mfd", "mfp", "multi function device", "multifunction printer",
                                "multi function printer", "copier", "photocopier", "plotter", "label printer"),
    DeviceKindChoices.STORAGE: ("storage", "nas", "san", "storage array", "disk array", "backup appliance"),
    DeviceKindChoices.BMC: ("bmc", "idrac", "ilo", "ipmi"),
    DeviceKindChoices.OTHER: ("other", "monitor", "tablet", "mobile", "mobile phone", "smartphone", "projector",
                              "screen", "display", "docking station", "dock", "misc", "miscellaneous"),
}
_STATUS_SYNONYMS: dict[str, tuple[str, ...]] = {
    DeviceStatusChoices.ACTIVE: ("active", "live", "in use", "deployed", "in service", "production", "issued",
                                 "assigned", "operational", "online"),
    DeviceStatusChoices.PLANNED: ("planned", "in stock", "stock", "spare", "on order", "ordered", "new",
                                  "unassigned", "available", "pending"),
    DeviceStatusChoices.OFFLINE: ("offline", "broken", "faulty", "off", "down", "repair", "in repair", "lost",
                                  "missing", "stolen"),
    DeviceStatusChoices.DECOMMISSIONING: ("decommissioning", "to be disposed", "awaiting disposal", "decom",
                                          "end of life", "eol", "to dispose"),
    DeviceStatusChoices.RETIRED: ("retired", "disposed", "written off", "decommissioned", "scrapped", "recycled",
                                  "sold"),
}
_CRITICALITY_SYNONYMS: dict[str, tuple[str, ...]] = {
    CriticalityChoices.LOW: ("low", "l", "4", "tier 4", "minor"),
    CriticalityChoices.MEDIUM: ("medium", "med", "m", "normal", "3", "tier 3", "moderate"),
    CriticalityChoices.HIGH: ("high", "h", "2", "tier 2", "important"),
    CriticalityChoices.CRITICAL: ("critical", "crit", "1", "tier 1", "very high", "business critical",
                                  "mission critical"),
}


def _choice_parser(synonyms: dict[str, tuple[str, ...]], what: str):
    lookup: dict[str, str] = {}
    for value, words in synonyms.items():
        lookup[normalise_header(value)] = value
        for word in words:
            lookup[normalise_header(word)] = value

    def parse(value: Any) -> str | None:
        if is_empty(value):
            return None
        key = normalise_header(as_text(value))
        if key in lookup:
            return lookup[key]
        # "Dell Laptop", "HP Desktop PC": a known word inside the text.
        words = key.split()
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                found = lookup.get(" ".join(words[i:i + size]))
                if found:
                    return found
        raise ValueError(f"“{as_text(value)}” is not a known {what}")

    return parse


parse_kind = _choice_parser(_KIND_SYNONYMS, "device type")
parse_status = _choice_parser(_STATUS_SYNONYMS, "status")
parse_criticality = _choice_parser(_CRITICALITY_SYNONYMS, "criticality")

_VERSION_START_RE = re.compile(r"\s(?=v?\d)")


def split_platform(text: str) -> tuple[str, str]:
    """'Windows 10 Pro 22H2' -> ('Windows', '10 Pro 22H2'); 'Ubuntu 22.04 LTS' -> ('Ubuntu', '22.04 LTS').

    The platform is the family up to the first word that starts with a digit: the lifecycle matcher reads the
    family from the platform and the release from the version (see inventory/lifecycle/versions.py).
    """
    text = " ".join(text.split())
    match = _VERSION_START_RE.search(text)
    if not match:
        return text, ""
    return text[: match.start()].strip(), text[match.end():].strip()


def parse_text(value: Any) -> str:
    """Any cell as text, stored as is (formulas and markup included: escaped when shown, neutralised on export).

    Placeholders such as "N/A" or "TBC" become empty: an "N/A" serial on 200 rows must not look like one device.
    """
    if is_empty(value):
        return ""
    text = as_text(value)
    # Undo the apostrophe our own export adds before = + - @ so an export re-imports unchanged.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text
