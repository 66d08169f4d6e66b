"""A small, realistic council estate for demos and screenshots: `python manage.py load_demo`.

Three sites, ~65 devices of every kind (some ageing, out of warranty or not seen for months), interfaces, IP
addresses, installed software, line-of-business applications and their dependencies. Loading is idempotent:
objects are found by their natural keys and only saved when something differs, so a second run changes nothing.
Every write goes through estate.services.object_save inside audit_context(request_id="demo").

With `with_agents=True`, six devices get primary IPs in 127.77.0.0/24, where the local demo SNMP agents answer,
so a discovery of that range reconciles with them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone

from estate.context import audit_context
from estate.services import ENGINEERS, VIEWERS, default_groups_ensure, object_save
from inventory.choices import (
    CriticalityChoices,
    DependencyProtocolChoices,
    DeviceStatusChoices,
    DiscoverySourceChoices,
    InterfaceTypeChoices,
)
from inventory.choices import DeviceKindChoices as K
from inventory.models import (
    Application,
    Dependency,
    Device,
    HardwareModel,
    InstalledSoftware,
    Interface,
    IPAddress,
    Location,
    Manufacturer,
    Platform,
    Site,
)

D = dt.date
REQUEST_ID = "demo"

SITES = [
    ("Town Hall", "town-hall", "Town Hall, Market Square, Northbridge NB1 1AA"),
    ("Riverside Depot", "riverside-depot", "Riverside Depot, Canal Road, Northbridge NB4 7QT"),
    ("Central Library", "central-library", "Central Library, Victoria Street, Northbridge NB1 3LP"),
]
LOCATIONS = {
    "town-hall": ["Comms Room", "Ground Floor", "First Floor", "Second Floor", "Contact Centre"],
    "riverside-depot": ["Comms Cupboard", "Transport Office", "Workshop"],
    "central-library": ["Comms Room", "Public PCs", "Staff Room"],
}
MANUFACTURERS = ["Dell", "HPE", "HP", "Lenovo", "Cisco", "Fortinet", "APC", "Mitel", "Avaya", "AudioCodes",
                 "Ricoh", "Synology", "Microsoft", "Canonical", "Red Hat", "VMware", "Elo"]
# (manufacturer, model, kind, end of sale, end of support, unit cost)
HARDWARE_MODELS = [
    ("Dell", "PowerEdge R730", K.SERVER, D(2018, 5, 31), D(2023, 5, 31), "5500"),
    ("Dell", "PowerEdge R740", K.HYPERVISOR, D(2021, 8, 31), D(2026, 8, 31), "7200"),
    ("Dell", "iDRAC9", K.BMC, None, None, None),
    ("HPE", "ProLiant DL380 Gen10", K.SERVER, D(2022, 9, 30), D(2027, 9, 30), "6400"),
    ("Dell", "OptiPlex 7010", K.DESKTOP, D(2014, 1, 31), D(2019, 1, 31), "550"),
    ("Dell", "OptiPlex 7090", K.DESKTOP, D(2023, 6, 30), D(2028, 6, 30), "780"),
    ("HP", "ProDesk 600 G3", K.DESKTOP, D(2018, 12, 31), D(2023, 12, 31), "520"),
    ("Lenovo", "ThinkCentre M720q", K.DESKTOP, D(2020, 6, 30), D(2025, 6, 30), "560"),
    ("HP", "EliteBook 840 G5", K.LAPTOP, D(2019, 10, 31), D(2024, 10, 31), "1050"),
    ("Lenovo", "ThinkPad T14 Gen 3", K.LAPTOP, None, None, "1150"),
    ("Dell", "Latitude 5420", K.LAPTOP, D(2023, 3, 31), D(2028, 3, 31), "900"),
    ("Dell", "Wyse 5070", K.THIN_CLIENT, D(2023, 1, 31), D(2026, 1, 31), "320"),
    ("Cisco", "Catalyst 2960-X", K.SWITCH, D(2022, 10, 30), D(2027, 10, 31), "1900"),
    ("Cisco", "Catalyst 9200-48P", K.SWITCH, None, None, "3600"),
    ("Cisco", "Catalyst 9200L-24P", K.SWITCH, None, None, "2400"),
    ("Cisco", "ISR 4331", K.ROUTER, D(2023, 11, 7), D(2028, 11, 30), "2800"),
    ("Cisco", "Aironet 2802I", K.WIRELESS_AP, D(2021, 4, 30), D(2026, 4, 30), "650"),
    ("Cisco", "IP Phone 8841", K.IP_PHONE, None, None, "210"),
    ("Fortinet", "FortiGate 100F", K.FIREWALL, None, None, "3200"),
    ("APC", "Smart-UPS SRT 3000", K.UPS, None, None, "1900"),
    ("APC", "Smart-UPS 1500", K.UPS, D(2019, 6, 30), D(2022, 6, 30), "750"),
    ("Mitel", "MiVoice Business 3300 ICP", K.PBX, D(2020, 3, 31), D(2024, 3, 31), "9500"),
    ("Mitel", "6920", K.IP_PHONE, None, None, "160"),
    ("Avaya", "J179", K.IP_PHONE, None, None, "190"),
    ("Avaya", "9611G", K.IP_PHONE, D(2019, 12, 31), D(2023, 12, 31), "180"),
    ("AudioCodes", "Mediant 800", K.VOICE_GATEWAY, D(2022, 12, 31), D(2025, 12, 31), "2500"),
    ("Ricoh", "IM C3000", K.PRINTER, None, None, "3200"),
    ("HP", "LaserJet Pro M404dn", K.PRINTER, D(2022, 6, 30), D(2025, 6, 30), "250"),
    ("Synology", "RS1221+", K.STORAGE, None, None, "1400"),
    ("Elo", "Self-service kiosk 15", K.OTHER, None, None, "900"),
]
PLATFORMS = [("Windows Server", "Microsoft"), ("Windows", "Microsoft"), ("Ubuntu", "Canonical"),
             ("Red Hat Enterprise Linux", "Red Hat"), ("VMware ESXi", "VMware"), ("Cisco IOS", "Cisco"),
             ("Cisco IOS XE", "Cisco"), ("FortiOS", "Fortinet"), ("Mitel MiVoice Business", "Mitel")]


@dataclass
class Kit:
    name: str
    kind: str
    site: str
    location: str
    model: tuple[str, str] | None = None
    platform: str = ""
    version: str = ""
    ip: str = ""
    agent_ip: str = ""  # used instead of ip with --with-agents (a local SNMP agent answers there)
    bought: dt.date | None = None
    warranty_years: int = 3
    cost: str | None = None
    department: str = "ICT"
    criticality: str = CriticalityChoices.MEDIUM
    status: str = DeviceStatusChoices.ACTIVE
    last_seen_days: int | None = 0  # None: never seen by discovery
    serial: str = ""
    software: list[tuple[str, str, str]] = field(default_factory=list)  # (product, vendor, version)


def _kit() -> list[Kit]:
    th, rd, cl = "town-hall", "riverside-depot", "central-library"
    crit = CriticalityChoices.CRITICAL
    sql = ("Microsoft SQL Server", "Microsoft", "")
    kit = [
        # Town Hall: the data centre in the basement comms room.
        Kit("th-esx-01", K.HYPERVISOR, th, "Comms Room", ("Dell", "PowerEdge R740"), "VMware ESXi", "6.7.0 U3",
            "10.10.0.21", bought=D(2018, 3, 12), warranty_years=5, cost="7200", criticality=crit),
        Kit("th-esx-02", K.HYPERVISOR, th, "Comms Room", ("Dell", "PowerEdge R740"), "VMware ESXi", "7.0 U3",
            "10.10.0.22", bought=D(2021, 2, 8), warranty_years=5, cost="7400", criticality=crit),
        Kit("th-esx-01-idrac", K.BMC, th, "Comms Room", ("Dell", "iDRAC9"), "", "4.40.00.00", "10.10.9.21",
            bought=D(2018, 3, 12)),
        Kit("th-sql-01", K.SERVER, th, "Comms Room", ("Dell", "PowerEdge R730"), "Windows Server", "2012 R2 Standard",
            "10.10.0.30", bought=D(2015, 9, 1), cost="5500", criticality=CriticalityChoices.HIGH, last_seen_days=2,
            software=[(sql[0] + " 2012", sql[1], "11.0.7001.0")]),
        Kit("th-file-01", K.SERVER, th, "Comms Room", ("Dell", "PowerEdge R740"), "Windows Server", "2016 Standard",
            "10.10.0.31", "127.77.0.11", bought=D(2017, 11, 30), warranty_years=5, cost="6250"),
        Kit("th-nas-01", K.STORAGE, th, "Comms Room", ("Synology", "RS1221+"), "", "DSM 7.2", "10.10.0.40",
            bought=D(2022, 5, 16), cost="1400"),
        Kit("th-dc-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Windows Server", "2019 Datacenter",
            "10.10.1.10", "127.77.0.12", criticality=CriticalityChoices.CRITICAL),
        Kit("th-dc-02", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Windows Server", "2022 Datacenter",
            "10.10.1.11", criticality=CriticalityChoices.CRITICAL),
        Kit("th-exch-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Windows Server", "2016 Standard", "10.10.1.20",
            criticality=CriticalityChoices.HIGH,
            software=[("Microsoft Exchange Server 2016", "Microsoft", "15.1.2507.6")]),
        Kit("th-revs-app-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Windows Server", "2016 Standard",
            "10.10.1.30", department="Revenues & Benefits", criticality=CriticalityChoices.CRITICAL,
            software=[("Capita Academy Revenues & Benefits", "Capita", "2.42"),
                      ("Internet Information Services", "Microsoft", "10.0")]),
        Kit("th-revs-db-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Windows Server", "2019 Standard",
            "10.10.1.31", department="Revenues & Benefits", criticality=CriticalityChoices.CRITICAL,
            software=[(sql[0] + " 2017", sql[1], "14.0.3456.2")]),
        Kit("th-housing-app-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Windows Server", "2012 R2 Standard",
            "10.10.1.40", department="Housing", criticality=CriticalityChoices.HIGH, last_seen_days=1,
            software=[("NEC Housing", "NEC Software Solutions", "4.6")]),
        Kit("th-housing-db-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Windows Server", "2016 Standard",
            "10.10.1.41", department="Housing", criticality=CriticalityChoices.HIGH,
            software=[(sql[0] + " 2016", sql[1], "13.0.6300.2")]),
        Kit("th-payroll-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Windows Server", "2019 Standard",
            "10.10.1.50", department="HR & Payroll", criticality=CriticalityChoices.HIGH,
            software=[("iTrent", "MHR", "10.32")]),
        Kit("th-cc-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Windows Server", "2019 Standard", "10.10.1.60",
            department="Customer Services", software=[("MiContact Center Business", "Mitel", "9.4")]),
        Kit("th-web-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Ubuntu", "18.04.6 LTS", "10.10.2.10",
            department="Planning", software=[("nginx", "", "1.14.0"), ("openssl", "", "1.1.1")]),
        Kit("th-web-02", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Ubuntu", "22.04.4 LTS", "10.10.2.11",
            department="Planning", software=[("nginx", "", "1.18.0"), ("openssl", "", "3.0.2")]),
        Kit("th-planning-app-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Red Hat Enterprise Linux", "7.9",
            "10.10.2.20", department="Planning", software=[("Idox Uniform", "Idox", "10.3"),
                                                           ("openjdk", "", "1.8.0")]),
        Kit("th-gis-01", K.VIRTUAL_MACHINE, th, "Comms Room", None, "Red Hat Enterprise Linux", "8.8", "10.10.2.21",
            department="Planning", software=[("postgresql", "", "13.14"), ("geoserver", "", "2.23")]),
        Kit("th-monitor-01", K.SERVER, th, "Comms Room", ("HPE", "ProLiant DL380 Gen10"), "Ubuntu", "20.04.6 LTS",
            "10.10.0.50", "127.77.0.10", bought=D(2019, 4, 1), warranty_years=5, cost="4999",
            software=[("snmpd", "", "5.8"), ("openssh-server", "", "8.2p1")]),
        Kit("th-core-sw-01", K.SWITCH, th, "Comms Room", ("Cisco", "Catalyst 9200-48P"), "Cisco IOS XE",
            "17.9.4", "10.10.0.2", "127.77.0.2", bought=D(2022, 6, 20), warranty_years=5, cost="3600",
            criticality=CriticalityChoices.CRITICAL),
        Kit("th-sw-02", K.SWITCH, th, "First Floor", ("Cisco", "Catalyst 2960-X"), "Cisco IOS", "15.2(7)E4",
            "10.10.0.3", bought=D(2016, 5, 5), cost="1900"),
        Kit("th-fw-01", K.FIREWALL, th, "Comms Room", ("Fortinet", "FortiGate 100F"), "FortiOS", "7.2.5",
            "10.10.0.1", bought=D(2021, 10, 4), cost="3200", criticality=CriticalityChoices.CRITICAL),
        Kit("th-ups-01", K.UPS, th, "Comms Room", ("APC", "Smart-UPS SRT 3000"), "", "UPS 15.5", "10.10.0.60",
            "127.77.0.20", bought=D(2019, 5, 1), cost="1899"),
        Kit("th-prn-01", K.PRINTER, th, "Ground Floor", ("HP", "LaserJet Pro M404dn"), "", "002.2201A",
            "10.10.3.30", "127.77.0.30", bought=D(2016, 8, 22), warranty_years=1, cost="249"),
        Kit("th-mfd-01", K.PRINTER, th, "First Floor", ("Ricoh", "IM C3000"), "", "", "10.10.3.31",
            bought=D(2023, 2, 3), cost="3200"),
        Kit("th-pbx-01", K.PBX, th, "Comms Room", ("Mitel", "MiVoice Business 3300 ICP"), "Mitel MiVoice Business",
            "9.4 SP1", "10.10.5.2", "127.77.0.40", bought=D(2014, 10, 1), warranty_years=5, cost="9500",
            criticality=CriticalityChoices.CRITICAL),
        Kit("th-vgw-01", K.VOICE_GATEWAY, th, "Comms Room", ("AudioCodes", "Mediant 800"), "", "7.20A",
            "10.10.5.3", bought=D(2017, 1, 16), cost="2500", criticality=CriticalityChoices.HIGH),
    ]
    phones = [("Mitel", "6920"), ("Mitel", "6920"), ("Avaya", "J179"), ("Avaya", "J179"),
              ("Cisco", "IP Phone 8841"), ("Cisco", "IP Phone 8841")]
    for i, model in enumerate(phones, start=1):
        kit.append(Kit(f"th-phone-{i:03d}", K.IP_PHONE, th, "Contact Centre", model, "", "", f"10.10.5.{100 + i}",
                       bought=D(2020, 2, 14), department="Customer Services", criticality=CriticalityChoices.LOW))
    for i in range(1, 4):  # past their replacement cycle
        kit.append(Kit(f"th-pc-{i:03d}", K.DESKTOP, th, "Ground Floor", ("Dell", "OptiPlex 7010"), "Windows",
                       "10 Pro 21H2", bought=D(2016, 4, 1), cost="549", department="Customer Services",
                       last_seen_days=3))
    for i in range(4, 7):
        kit.append(Kit(f"th-pc-{i:03d}", K.DESKTOP, th, "Second Floor", ("Dell", "OptiPlex 7090"), "Windows",
                       "11 Pro 23H2", bought=D(2023, 9, 18), cost="780", department="Finance"))
    for i, (model, bought, version) in enumerate([
        (("HP", "EliteBook 840 G5"), D(2018, 9, 12), "10 Pro 22H2"),
        (("HP", "EliteBook 840 G5"), D(2018, 9, 12), "10 Pro 22H2"),
        (("Lenovo", "ThinkPad T14 Gen 3"), D(2023, 1, 12), "11 Pro 23H2"),
        (("Lenovo", "ThinkPad T14 Gen 3"), D(2023, 1, 12), "11 Pro 23H2"),
        (("Lenovo", "ThinkPad T14 Gen 3"), D(2024, 6, 3), "11 Pro 23H2"),
    ], start=1):
        kit.append(Kit(f"th-lt-{i:03d}", K.LAPTOP, th, "First Floor", model, "Windows", version, bought=bought,
                       department="Housing", last_seen_days=1 if i > 2 else 150))
    kit += [
        # Riverside Depot: a cupboard of older kit.
        Kit("rd-rtr-01", K.ROUTER, rd, "Comms Cupboard", ("Cisco", "ISR 4331"), "Cisco IOS XE", "16.12.5",
            "10.20.0.1", bought=D(2018, 7, 9), cost="2800"),
        Kit("rd-sw-01", K.SWITCH, rd, "Comms Cupboard", ("Cisco", "Catalyst 2960-X"), "Cisco IOS", "15.2(4)E8",
            "10.20.0.2", bought=D(2015, 5, 5), cost="1900"),
        Kit("rd-ups-01", K.UPS, rd, "Comms Cupboard", ("APC", "Smart-UPS 1500"), "", "UPS 09.3", "10.20.0.20",
            bought=D(2014, 3, 3), cost="750", last_seen_days=200),
        Kit("rd-prn-01", K.PRINTER, rd, "Transport Office", ("HP", "LaserJet Pro M404dn"), "", "", "10.20.1.30",
            bought=D(2017, 3, 2), warranty_years=1, cost="249", status=DeviceStatusChoices.OFFLINE,
            last_seen_days=120),
        Kit("rd-lt-001", K.LAPTOP, rd, "Transport Office", ("Dell", "Latitude 5420"), "Windows", "11 Pro 22H2",
            bought=D(2021, 11, 30), cost="899", department="Fleet"),
        Kit("rd-phone-001", K.IP_PHONE, rd, "Transport Office", ("Avaya", "9611G"), "", "", "10.20.5.101",
            bought=D(2013, 6, 1), department="Waste & Recycling", criticality=CriticalityChoices.LOW),
        Kit("rd-phone-002", K.IP_PHONE, rd, "Workshop", ("Avaya", "9611G"), "", "", "10.20.5.102",
            bought=D(2013, 6, 1), department="Waste & Recycling", criticality=CriticalityChoices.LOW,
            last_seen_days=95),
    ]
    for i in range(1, 4):
        kit.append(Kit(f"rd-pc-{i:03d}", K.DESKTOP, rd, "Transport Office", ("HP", "ProDesk 600 G3"), "Windows",
                       "10 Pro 21H2", bought=D(2017, 7, 3), cost="480", department="Waste & Recycling",
                       last_seen_days=400 if i == 3 else 5))
    kit += [
        # Central Library.
        Kit("cl-sw-01", K.SWITCH, cl, "Comms Room", ("Cisco", "Catalyst 9200L-24P"), "Cisco IOS XE", "17.6.5",
            "10.30.0.2", bought=D(2021, 8, 9), cost="2400"),
        Kit("cl-srv-01", K.SERVER, cl, "Comms Room", ("HPE", "ProLiant DL380 Gen10"), "Ubuntu", "20.04.6 LTS",
            "10.30.0.10", bought=D(2019, 4, 1), warranty_years=5, cost="4999", department="Libraries",
            criticality=CriticalityChoices.HIGH, software=[("Civica Spydus", "Civica", "10.6"),
                                                          ("postgresql", "", "12.18")]),
        Kit("cl-ap-01", K.WIRELESS_AP, cl, "Public PCs", ("Cisco", "Aironet 2802I"), "", "8.10.185.0",
            "10.30.0.30", bought=D(2018, 9, 1), cost="650"),
        Kit("cl-thin-01", K.THIN_CLIENT, cl, "Staff Room", ("Dell", "Wyse 5070"), "", "ThinOS 9.1", "",
            bought=D(2019, 2, 14), cost="299", department="Libraries", status=DeviceStatusChoices.OFFLINE,
            last_seen_days=180),
        Kit("cl-prn-01", K.PRINTER, cl, "Staff Room", ("HP", "LaserJet Pro M404dn"), "", "", "10.30.1.50",
            bought=D(2016, 8, 22), warranty_years=1, cost="199", department="Libraries",
            status=DeviceStatusChoices.DECOMMISSIONING, last_seen_days=365),
        Kit("cl-phone-001", K.IP_PHONE, cl, "Staff Room", ("Cisco", "IP Phone 8841"), "", "", "10.30.5.101",
            bought=D(2020, 2, 14), department="Libraries", criticality=CriticalityChoices.LOW),
        Kit("cl-kiosk-01", K.OTHER, cl, "Public PCs", ("Elo", "Self-service kiosk 15"), "", "", "10.30.1.60",
            bought=D(2019, 5, 20), department="Libraries", last_seen_days=None),
    ]
    for i in range(1, 5):
        kit.append(Kit(f"cl-pc-{i:03d}", K.DESKTOP, cl, "Public PCs", ("Lenovo", "ThinkCentre M720q"), "Windows",
                       "10 Pro 22H2", bought=D(2018, 10, 15), cost="520", department="Libraries",
                       criticality=CriticalityChoices.LOW))
    return kit


# (name, owner, department, criticality, vendor, devices)
APPLICATIONS = [
    ("Revenues & Benefits", "Head of Revenues", "Revenues & Benefits", CriticalityChoices.CRITICAL, "Capita",
     ["th-revs-app-01", "th-revs-db-01"]),
    ("Housing Management", "Head of Housing", "Housing", CriticalityChoices.HIGH, "NEC Software Solutions",
     ["th-housing-app-01", "th-housing-db-01"]),
    ("Email (Exchange)", "ICT Manager", "ICT", CriticalityChoices.CRITICAL, "Microsoft", ["th-exch-01"]),
    ("Payroll", "HR & Payroll Manager", "HR & Payroll", CriticalityChoices.HIGH, "MHR",
     ["th-payroll-01", "th-sql-01"]),
    ("Telephony & Contact Centre", "Customer Services Manager", "Customer Services", CriticalityChoices.CRITICAL,
     "Mitel", ["th-pbx-01", "th-vgw-01", "th-cc-01"]),
    ("Planning Portal", "Planning Manager", "Planning", CriticalityChoices.MEDIUM, "Idox",
     ["th-web-01", "th-web-02", "th-planning-app-01", "th-gis-01"]),
    ("Library Management", "Libraries Manager", "Libraries", CriticalityChoices.MEDIUM, "Civica", ["cl-srv-01"]),
]
# (source, target, protocol, port, description): names of devices, or "app:<name>" for applications.
DEPENDENCIES = [
    ("th-revs-app-01", "th-revs-db-01", "tcp", 1433, "Revenues & Benefits database"),
    ("th-housing-app-01", "th-housing-db-01", "tcp", 1433, "Housing database"),
    ("th-payroll-01", "th-sql-01", "tcp", 1433, "Payroll database"),
    ("th-web-01", "th-planning-app-01", "tcp", 8080, "Planning portal back end"),
    ("th-web-02", "th-planning-app-01", "tcp", 8080, "Planning portal back end"),
    ("th-planning-app-01", "th-gis-01", "tcp", 5432, "Planning GIS layers"),
    ("th-exch-01", "th-dc-01", "tcp", 389, "Directory lookups"),
    ("th-cc-01", "th-pbx-01", "tcp", 3999, "Contact centre CTI link"),
    ("th-pbx-01", "th-vgw-01", "udp", 5060, "SIP trunk to the PSTN gateway"),
    ("app:Revenues & Benefits", "app:Email (Exchange)", "tcp", 25, "Bills and notifications by email"),
    ("app:Telephony & Contact Centre", "app:Revenues & Benefits", "tcp", 443, "Caller account look-ups"),
    ("app:Planning Portal", "app:Email (Exchange)", "tcp", 25, "Application acknowledgements"),
]


@dataclass
class DemoResult:
    created: int = 0
    updated: int = 0
    devices: int = 0

    def __str__(self) -> str:
        return f"{self.devices} devices; {self.created} objects created, {self.updated} updated"


class _Loader:
    def __init__(self) -> None:
        self.result = DemoResult()

    def upsert(self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any] | None = None,
               create_only: dict[str, Any] | None = None) -> models.Model:
        """Find by lookup; create, or save only the fields that differ (so a second run writes nothing)."""
        values = values or {}
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values, **(create_only or {}))
            object_save(instance=obj)
            self.result.created += 1
            return obj
        changed = False
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed:
            object_save(instance=obj)
            self.result.updated += 1
        return obj


def _slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)


def _mac(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return "00:50:56:" + ":".join(digest[i:i + 2] for i in (0, 2, 4)).upper()


def _serial(name: str) -> str:
    return hashlib.sha256(f"serial:{name}".encode()).hexdigest()[:10].upper()


@transaction.atomic
def demo_estate_load(*, with_agents: bool = False, now: dt.datetime | None = None) -> DemoResult:
    """Build (or bring up to date) the demo estate. Idempotent; audited under request id "demo"."""
    now = now or timezone.now()
    loader = _Loader()
    up = loader.upsert
    with audit_context(request_id=REQUEST_ID):
        sites = {slug: up(Site, {"slug": slug}, {"name": name, "address": address}) for name, slug, address in SITES}
        locations = {}
        for slug, names in LOCATIONS.items():
            for name in names:
                locations[(slug, name)] = up(Location, {"site": sites[slug], "slug": _slug(name)}, {"name": name})
        makers = {name: up(Manufacturer, {"slug": _slug(name)}, {"name": name}) for name in MANUFACTURERS}
        hw = {}
        for maker, model, kind, eos, eosup, cost in HARDWARE_MODELS:
            hw[(maker, model)] = up(HardwareModel, {"manufacturer": makers[maker], "slug": _slug(model)}, {
                "model": model, "kind": kind, "end_of_sale": eos, "end_of_support": eosup,
                "unit_cost": Decimal(cost) if cost else None,
            })
        platforms = {name: up(Platform, {"slug": _slug(name)}, {"name": name, "manufacturer": makers[maker]})
                     for name, maker in PLATFORMS}
        devices: dict[str, Device] = {}
        for kit in _kit():
            model = hw[kit.model] if kit.model else None
            ip = (kit.agent_ip if with_agents and kit.agent_ip else kit.ip) or None
            warranty = (kit.bought.replace(year=kit.bought.year + kit.warranty_years) if kit.bought else None)
            values = {
                "kind": kit.kind, "status": kit.status, "location": locations[(kit.site, kit.location)],
                "hardware_model": model, "manufacturer": model.manufacturer if model else None,
                "serial": _serial(kit.name) if model else "", "platform": platforms.get(kit.platform),
                "os_version": kit.version, "primary_ip": ip, "purchase_date": kit.bought, "warranty_end": warranty,
                "purchase_cost": Decimal(kit.cost) if kit.cost else None, "department": kit.department,
                "criticality": kit.criticality,
                "description": "Demo device" if not kit.software else "Demo server: " + ", ".join(
                    s[0] for s in kit.software[:2]),
            }
            seen = None if kit.last_seen_days is None else now - dt.timedelta(days=kit.last_seen_days, hours=1)
            # When it was seen depends on the day of the first load: set once, so a reload changes nothing.
            create_only = {"first_seen": (seen - dt.timedelta(days=400)) if seen else None, "last_seen": seen,
                           "discovery_source": DiscoverySourceChoices.SNMP if seen else DiscoverySourceChoices.MANUAL}
            device = up(Device, {"site": sites[kit.site], "name": kit.name}, values, create_only)
            devices[kit.name] = device
            if ip:
                nic = "GigabitEthernet1/0/1" if kit.kind in (K.SWITCH, K.ROUTER, K.FIREWALL) else "eth0"
                interface = up(Interface, {"device": device, "name": nic}, {
                    "type": InterfaceTypeChoices.ETHERNET, "mac_address": _mac(kit.name), "speed": 1_000_000})
                prefix = 32 if ip.startswith("127.") else 24
                up(IPAddress, {"device": device, "address": ip}, {"prefix_length": prefix, "interface": interface,
                                                                   "dns_name": f"{kit.name}.northbridge.gov.uk"})
            for product, vendor, version in kit.software:
                up(InstalledSoftware, {"device": device, "product": product, "version": version}, {"vendor": vendor})
        apps = {}
        for name, owner, department, criticality, vendor, members in APPLICATIONS:
            app = up(Application, {"slug": _slug(name)}, {"name": name, "owner": owner, "department": department,
                                                          "criticality": criticality, "vendor": vendor})
            wanted = {devices[m].pk for m in members}
            if set(app.devices.values_list("pk", flat=True)) != wanted:
                app.devices.set(wanted)
                loader.result.updated += 1
            apps[name] = app
        for source, target, protocol, port, description in DEPENDENCIES:
            ends = {}
            for role, ref in (("source", source), ("target", target)):
                if ref.startswith("app:"):
                    ends[f"{role}_application"] = apps[ref[4:]]
                    ends[f"{role}_device"] = None
                else:
                    ends[f"{role}_device"] = devices[ref]
                    ends[f"{role}_application"] = None
            up(Dependency, {**ends, "protocol": DependencyProtocolChoices(protocol), "port": port},
               {"description": description})
    loader.result.devices = Device.objects.count()
    return loader.result


AGENT_IPS = {k.name: k.agent_ip for k in _kit() if k.agent_ip}


@transaction.atomic
def demo_users_ensure(*, password_file: Path) -> str:
    """Users `admin` (superuser, Engineers) and `viewer` (Viewers), sharing one generated demo password.

    The password is written to `password_file` (mode 600) and reused from it on later runs, so rerunning the
    loader neither rotates it nor prints it.
    """
    password_file = Path(password_file)
    password = password_file.read_text().strip() if password_file.exists() else ""
    if not password:
        password = secrets.token_urlsafe(18)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.touch(mode=0o600)
        password_file.write_text(password + "\n")
    default_groups_ensure()
    users = get_user_model()
    with audit_context(request_id=REQUEST_ID):
        for username, superuser, group in (("admin", True, ENGINEERS), ("viewer", False, VIEWERS)):
            user, _ = users.objects.get_or_create(username=username, defaults={"email": f"{username}@example.test"})
            if not user.check_password(password) or user.is_superuser != superuser or user.is_staff != superuser:
                user.set_password(password)
                user.is_superuser = user.is_staff = superuser
                user.save()
            user.groups.add(Group.objects.get(name=group))
    return password
