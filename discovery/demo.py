"""The demo estate's discovery set-up: a credential, a credential set, a scope and a nightly schedule that point at
the real net-snmp agent `scripts/run` starts on loopback, so the demo can really be discovered."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from discovery.models import Credential, CredentialSet, Scope
from discovery.services import credential_save, credential_set_save
from estate.models import Schedule
from estate.services import object_save
from inventory.models import Device, Site

DEMO_AGENT = "127.77.0.10"  # th-monitor-01 in inventory/demo.py; scripts/run starts snmpd here
DEMO_AGENT_PORT = 1161
DEMO_COMMUNITY = "estate-demo"  # a demo value for a loopback agent, not a secret worth keeping


@transaction.atomic
def demo_discovery_load() -> dict[str, int]:
    """Idempotent: creates what is missing, changes nothing else."""
    device = Device.objects.filter(Q(primary_ip=DEMO_AGENT) | Q(management_ip=DEMO_AGENT)).select_related(
        "site").first()
    site = device.site if device else Site.objects.order_by("pk").first()
    if site is None:
        return {"created": 0}
    created = 0
    credential = Credential.objects.filter(name="Demo SNMP community").first()
    if credential is None:
        credential = credential_save(credential=Credential(name="Demo SNMP community", kind="snmp_v2c",
                                                           description="For the demo agents on loopback"),
                                     secrets={"community": DEMO_COMMUNITY})
        created += 1
    cset = CredentialSet.objects.filter(name="Demo lab").first()
    if cset is None:
        cset = credential_set_save(credential_set=CredentialSet(name="Demo lab", approved_networks="127.77.0.0/16"),
                                   credentials=[credential])
        created += 1
    scope = Scope.objects.filter(name="Demo lab (loopback agent)").first()
    if scope is None:
        scope = object_save(instance=Scope(
            name="Demo lab (loopback agent)", site=site, targets=f"{DEMO_AGENT}:{DEMO_AGENT_PORT}",
            use_ssh=False, snmp_timeout=1.0, snmp_retries=1, concurrency=16,
            description="A real net-snmp agent started by scripts/run: press Discover now",
        ), m2m={"credential_sets": [cset]})
        created += 1
    if not Schedule.objects.filter(name="Nightly discovery: Demo lab").exists():
        object_save(instance=Schedule(name="Nightly discovery: Demo lab", kind="discovery",
                                      kwargs={"scope_id": scope.pk}, cron="0 2 * * *"))
        created += 1
    return {"created": created}
