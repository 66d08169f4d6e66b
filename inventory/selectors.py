"""Reads for the inventory: list querysets (with the joins each page needs), the dashboard and global search."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from inventory.choices import DeviceKindChoices, DeviceStatusChoices, ProposedChangeStatusChoices
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
    Tag,
)


def device_list() -> QuerySet[Device]:
    # Only the joins shown in list columns: one query per page whatever the page size.
    return Device.objects.select_related(
        "site", "location__site", "manufacturer", "hardware_model__manufacturer", "platform"
    )


def device_detail() -> QuerySet[Device]:
    return device_list().prefetch_related("tags")


def site_list() -> QuerySet[Site]:
    return Site.objects.annotate(device_count=Count("devices", distinct=True))


def location_list() -> QuerySet[Location]:
    return Location.objects.select_related("site").annotate(device_count=Count("devices"))


def manufacturer_list() -> QuerySet[Manufacturer]:
    return Manufacturer.objects.annotate(model_count=Count("hardware_models", distinct=True))


def hardware_model_list() -> QuerySet[HardwareModel]:
    return HardwareModel.objects.select_related("manufacturer").annotate(device_count=Count("devices"))


def platform_list() -> QuerySet[Platform]:
    return Platform.objects.select_related("manufacturer").annotate(device_count=Count("devices"))


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.all()


def interface_list() -> QuerySet[Interface]:
    return Interface.objects.select_related("device")


def ip_address_list() -> QuerySet[IPAddress]:
    return IPAddress.objects.select_related("device", "interface")


def installed_software_list() -> QuerySet[InstalledSoftware]:
    return InstalledSoftware.objects.select_related("device")


def application_list() -> QuerySet[Application]:
    return Application.objects.annotate(device_count=Count("devices", distinct=True))


def dependency_list() -> QuerySet[Dependency]:
    return Dependency.objects.select_related(
        "source_device", "source_application", "target_device", "target_application"
    )


def _count_rows(queryset, field: str, choices=None) -> list[dict]:
    labels = dict(choices) if choices else {}
    rows = queryset.values(field).annotate(count=Count("pk")).order_by("-count")
    return [{"key": r[field], "label": labels.get(r[field], r[field] or "—"), "count": r["count"]} for r in rows]


def estate_summary() -> dict:
    devices = Device.objects.all()
    by_site = [
        {"key": r["site__slug"], "label": r["site__name"], "count": r["count"]}
        for r in devices.values("site__slug", "site__name").annotate(count=Count("pk")).order_by("-count")
    ]
    stale_before = timezone.now() - timedelta(days=30)
    return {
        "total": devices.count(),
        "sites": Site.objects.count(),
        "applications": Application.objects.count(),
        "stale": devices.filter(last_seen__lt=stale_before).count(),
        "charts": [
            {"id": "kind", "title": "Devices by kind", "label": "Kind", "param": "kind", "type": "bar",
             "rows": _count_rows(devices, "kind", DeviceKindChoices.choices)},
            {"id": "site", "title": "Devices by site", "label": "Site", "param": "site", "type": "bar",
             "rows": by_site},
            {"id": "status", "title": "Devices by status", "label": "Status", "param": "status", "type": "doughnut",
             "rows": _count_rows(devices, "status", DeviceStatusChoices.choices)},
        ],
    }


SEARCH_LIMIT = 20


def global_search(*, query: str, user) -> list[dict]:
    """Search devices (name, serial, asset tag, IPs), sites, applications, software and IP addresses."""
    query = query[:100]
    groups = []
    device_q = Q(name__icontains=query) | Q(serial__iexact=query) | Q(asset_tag__iexact=query)
    if _looks_like_ip(query):
        device_q |= Q(primary_ip=query) | Q(management_ip=query) | Q(ip_addresses__address=query)
    specs = [
        ("Devices", "inventory.view_device", device_list().filter(device_q).distinct(), "inventory:device_list"),
        ("Sites", "inventory.view_site", Site.objects.filter(Q(name__icontains=query) | Q(slug__icontains=query)),
         "inventory:site_list"),
        ("Applications", "inventory.view_application",
         Application.objects.filter(Q(name__icontains=query) | Q(owner__icontains=query)),
         "inventory:application_list"),
        ("IP addresses", "inventory.view_ipaddress", ip_address_list().filter(address__startswith=query)
         if _looks_like_ip_prefix(query) else IPAddress.objects.none(), "inventory:ipaddress_list"),
        ("Installed software", "inventory.view_installedsoftware",
         installed_software_list().filter(product__icontains=query), "inventory:installedsoftware_list"),
        ("Hardware models", "inventory.view_hardwaremodel",
         hardware_model_list().filter(Q(model__icontains=query) | Q(part_number__iexact=query)),
         "inventory:hardwaremodel_list"),
    ]
    for label, perm, queryset, list_url in specs:
        if not user.has_perm(perm):
            continue
        objects = list(queryset[: SEARCH_LIMIT + 1])
        if not objects:
            continue
        count = len(objects) if len(objects) <= SEARCH_LIMIT else queryset.count()
        groups.append({
            "label": label, "count": count, "objects": objects[:SEARCH_LIMIT],
            "more_url": f"{reverse(list_url)}?{urlencode({'q': query})}" if count > SEARCH_LIMIT else None,
        })
    return groups


def _looks_like_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _looks_like_ip_prefix(value: str) -> bool:
    return bool(value) and all(c in "0123456789abcdefABCDEF.:" for c in value)


def device_related(*, device: Device) -> dict:
    """Everything a device page shows beside the device itself."""
    return {
        "interfaces": device.interfaces.all()[:500],
        "interface_count": device.interfaces.count(),
        "ip_addresses": device.ip_addresses.select_related("interface")[:500],
        "software": device.software.all()[:200],
        "software_count": device.software.count(),
        "applications": device.applications.all(),
        "dependencies_out": dependency_list().filter(source_device=device)[:200],
        "dependencies_in": dependency_list().filter(target_device=device)[:200],
        "provenance": device.provenance.all(),
        "proposals": device.proposed_changes.filter(status=ProposedChangeStatusChoices.OPEN).order_by("field"),
    }
