"""Reads for the discovery pages and API: list querysets with the joins each page needs."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from discovery.models import Credential, CredentialSet, DeviceAccess, DiscoveryRun, HostKey, HostResult, Scope
from inventory.models import Device


def credential_list() -> QuerySet[Credential]:
    return Credential.objects.annotate(set_count=Count("credential_sets", distinct=True))


def credential_set_list() -> QuerySet[CredentialSet]:
    return CredentialSet.objects.annotate(credential_count=Count("members", distinct=True))


def scope_list() -> QuerySet[Scope]:
    return Scope.objects.select_related("site").prefetch_related("credential_sets")


def run_list() -> QuerySet[DiscoveryRun]:
    return DiscoveryRun.objects.select_related("job", "scope", "site")


def run_host_results(*, run: DiscoveryRun) -> QuerySet[HostResult]:
    return HostResult.objects.filter(run=run).select_related("credential", "device").order_by("pk")


def host_key_list() -> QuerySet[HostKey]:
    return HostKey.objects.select_related("device", "first_seen_run")


def device_discovery(*, device: Device, results: int = 5) -> dict:
    """What the device page's Discovery card shows: its host keys, last results and the credentials that worked."""
    return {
        "host_keys": list(HostKey.objects.filter(device=device)),
        "results": list(HostResult.objects.filter(device=device).select_related("run", "credential")
                        .order_by("-pk")[:results]),
        "access": list(DeviceAccess.objects.filter(device=device).select_related("credential")),
    }
