"""A small, realistic estate for the browser tests: enough for every list, detail page and dashboard chart."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from inventory.choices import CriticalityChoices, DeviceKindChoices, DeviceStatusChoices
from tests import factories as f


def build_estate() -> dict:
    town_hall = f.SiteFactory(name="Town Hall", slug="town-hall", address="Market Square")
    depot = f.SiteFactory(name="Highways Depot", slug="depot", address="Mill Lane")
    server_room = f.LocationFactory(site=town_hall, name="Server room", slug="server-room")
    dell = f.ManufacturerFactory(name="Dell", slug="dell")
    cisco = f.ManufacturerFactory(name="Cisco", slug="cisco")
    r650 = f.HardwareModelFactory(manufacturer=dell, model="PowerEdge R650", slug="r650", part_number="R650-01",
                                  end_of_support=timezone.localdate() + timedelta(days=400))
    c9300 = f.HardwareModelFactory(manufacturer=cisco, model="Catalyst 9300", slug="c9300",
                                   kind=DeviceKindChoices.SWITCH)
    windows = f.PlatformFactory(name="Windows Server", slug="windows-server", manufacturer=None)
    ios = f.PlatformFactory(name="Cisco IOS-XE", slug="ios-xe", manufacturer=cisco)
    psn = f.TagFactory(name="PSN", slug="psn", color="#1d3a5f")
    f.TagFactory(name="Cloud candidate", slug="cloud-candidate")
    now = timezone.now()
    web = f.DeviceFactory(name="web01", kind=DeviceKindChoices.SERVER, site=town_hall, location=server_room,
                          manufacturer=dell, hardware_model=r650, platform=windows, os_version="2019",
                          serial="SN-WEB01", primary_ip="10.1.0.10", department="Digital", last_seen=now,
                          criticality=CriticalityChoices.HIGH)
    web.tags.add(psn)
    db = f.DeviceFactory(name="db01", kind=DeviceKindChoices.SERVER, site=town_hall, manufacturer=dell,
                         hardware_model=r650, platform=windows, os_version="2016", serial="SN-DB01",
                         last_seen=now - timedelta(days=60), status=DeviceStatusChoices.OFFLINE)
    switch = f.DeviceFactory(name="sw-depot-01", kind=DeviceKindChoices.SWITCH, site=depot, manufacturer=cisco,
                             hardware_model=c9300, platform=ios, os_version="17.9.4", serial="FOC1234X")
    laptop = f.DeviceFactory(name="lt-0042", kind=DeviceKindChoices.LAPTOP, site=depot,
                             status=DeviceStatusChoices.PLANNED)
    eth0 = f.InterfaceFactory(device=web, name="eth0", mac_address="00:11:22:33:44:55", speed=1_000_000)
    f.InterfaceFactory(device=switch, name="Gi1/0/1")
    f.IPAddressFactory(device=web, interface=eth0, address="10.1.0.10", prefix_length=24, dns_name="web01.council")
    f.IPAddressFactory(device=db, address="10.1.0.20", prefix_length=24)
    f.InstalledSoftwareFactory(device=web, product="Microsoft IIS", vendor="Microsoft", version="10.0")
    f.InstalledSoftwareFactory(device=db, product="SQL Server", vendor="Microsoft", version="2016")
    payroll = f.ApplicationFactory(name="Payroll", slug="payroll", owner="HR", criticality=CriticalityChoices.CRITICAL)
    f.ApplicationFactory(name="Planning portal", slug="planning-portal", owner="Planning")
    web.applications.add(payroll)
    f.DependencyFactory(source_device=web, target_device=db, port=1433)
    f.DependencyFactory(source_device=switch, target_device=web, port=443)
    return {"web": web, "db": db, "switch": switch, "laptop": laptop, "town_hall": town_hall, "depot": depot,
            "psn": psn, "payroll": payroll, "r650": r650}
