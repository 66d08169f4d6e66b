"""Discovery never makes a record worse and never undoes a person: provenance, precedence, proposed changes.

The facts go through the real classifier (discovery/rules/*.yaml) and reconcile, as a sweep would send them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from discovery.classify import classify
from discovery.facts import HostFacts
from discovery.parsers import merge_facts
from discovery.reconcile import host_reconcile, reference_cache_clear
from estate.context import audit_context
from inventory import services
from inventory.choices import (
    DiscoverySourceChoices,
    FieldDecisionChoices,
    FindingReasonChoices,
    ProposedChangeStatusChoices,
    ProvenanceSourceChoices,
)
from inventory.models import Device, FieldProvenance, Finding, ProposedChange
from inventory.provenance import Source, decide, source_of
from inventory.services_findings import findings_evaluate
from tests import factories as f

pytestmark = pytest.mark.django_db

DEBIAN_SYSDESCR = "Linux app01 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64"
ADDRESS = "127.0.0.1"
EDITOR = ["inventory.view_device", "inventory.change_device", "inventory.add_device",
          "inventory.view_proposedchange", "inventory.change_proposedchange"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    reference_cache_clear()
    yield
    reference_cache_clear()


def snmp_sweep_facts() -> HostFacts:
    """What an SNMP identification sweep of a Debian server learns: a kernel string in sysDescr."""
    return classify(HostFacts(address=ADDRESS, sources=("snmp",), hostname="app01", sys_descr=DEBIAN_SYSDESCR,
                              sys_object_id="1.3.6.1.4.1.8072.3.2.10"))


def ssh_facts(os_id: str, version: str, name: str) -> HostFacts:
    """What SSH reads from the machine itself: /etc/os-release."""
    read = {"shell": "unix", "os_id": os_id, "os_version": version, "os_name": name, "kernel": "6.1.0-18-amd64",
            "sys_descr": "Linux app01 6.1.0-18-amd64"}
    return classify(merge_facts(HostFacts(address=ADDRESS, sources=("ssh",), hostname="app01", **read)))


def sweep(facts: HostFacts, site, source=DiscoverySourceChoices.SNMP, **kw):
    with audit_context(actor=None, request_id="job:test"):
        return host_reconcile(facts=facts, site=site, source=source, **kw)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def discovered_debian(site) -> Device:
    outcome = sweep(snmp_sweep_facts(), site)
    assert outcome.action == "created"
    device = Device.objects.get(pk=outcome.device_id)
    assert (device.platform.name, device.os_version) == ("Debian", "")  # no kernel as an OS version
    return device


# --- the precedence rule itself -------------------------------------------------------------------------------------


def test_decide_weaker_or_less_specific_never_replaces():
    ssh = source_of(ProvenanceSourceChoices.SSH)
    generic = source_of(ProvenanceSourceChoices.SNMP_GENERIC)
    kernel = Source(ProvenanceSourceChoices.SSH, 90, specific=False)
    assert decide(field="platform", current="Ubuntu", current_source=ssh, locked=False, wanted="Debian",
                  wanted_source=generic).action == FieldDecisionChoices.KEEP
    assert decide(field="platform", current="Ubuntu", current_source=generic, locked=False, wanted="Linux",
                  wanted_source=ssh).action == FieldDecisionChoices.KEEP  # "Linux" never replaces "Ubuntu"
    assert decide(field="os_version", current="22.04", current_source=ssh, locked=False, wanted="6.1.0-18",
                  wanted_source=kernel).action == FieldDecisionChoices.KEEP  # a kernel is not an OS release
    assert decide(field="os_version", current="22.04", current_source=ssh, locked=False, wanted="24.04",
                  wanted_source=ssh).action == FieldDecisionChoices.UPDATE
    assert decide(field="os_version", current="20.04.6 LTS", current_source=ssh, locked=True, wanted="20.04",
                  wanted_source=ssh).action == FieldDecisionChoices.CONFIRM  # the same release, said less precisely


def test_decide_person_value_is_kept_and_stronger_values_are_proposed_once():
    person = source_of(ProvenanceSourceChoices.PERSON)
    kwargs = {"field": "platform", "current": "Ubuntu", "current_source": person, "locked": True, "wanted": "Debian"}
    assert decide(**kwargs, wanted_source=source_of(ProvenanceSourceChoices.SNMP_GENERIC)).action == "keep"
    assert decide(**kwargs, wanted_source=source_of(ProvenanceSourceChoices.SSH)).action == "propose"
    assert decide(**kwargs, wanted_source=source_of(ProvenanceSourceChoices.SSH), rejected=True).action == "keep"
    assert decide(**kwargs, wanted_source=source_of(ProvenanceSourceChoices.SSH), proposed=True).action == "keep"


# --- a person's correction survives the next sweep, whichever door it came through ---------------------------------


def _assert_correction_kept(device: Device, site) -> None:
    outcome = sweep(snmp_sweep_facts(), site)
    device.refresh_from_db()
    assert outcome.device_id == device.pk
    assert (device.platform.name, device.os_version) == ("Ubuntu", "20.04.6 LTS")
    assert not ProposedChange.objects.filter(device=device).exists()  # a weaker guess is not news
    assert outcome.changes.get("kept", {}).get("platform", [None, "Debian"])[1] == "Debian"
    assert {"platform", "os_version"} <= set(device.locked_fields)
    prov = {p.field: p for p in device.provenance.all()}
    assert prov["platform"].source == ProvenanceSourceChoices.PERSON


def test_correction_through_the_api_is_kept_by_the_next_sweep():
    site = f.SiteFactory()
    device = discovered_debian(site)
    ubuntu = f.PlatformFactory(name="Ubuntu", slug="ubuntu")
    user = f.UserFactory(perms=EDITOR)
    response = api(user).patch(reverse("inventory-api:device-detail", args=[device.pk]),
                               {"platform": ubuntu.pk, "os_version": "20.04.6 LTS"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["provenance"]["platform"]["source"] == "person"
    _assert_correction_kept(device, site)


def test_correction_in_the_ui_is_kept_by_the_next_sweep(client):
    site = f.SiteFactory()
    device = discovered_debian(site)
    ubuntu = f.PlatformFactory(name="Ubuntu", slug="ubuntu")
    client.force_login(f.UserFactory(perms=EDITOR))
    data = {"name": device.name, "kind": device.kind, "status": device.status, "site": site.pk,
            "manufacturer": "", "hardware_model": "", "serial": "", "asset_tag": "", "platform": ubuntu.pk,
            "os_version": "20.04.6 LTS", "firmware": "", "primary_ip": device.primary_ip or "",
            "management_ip": "", "department": "", "criticality": device.criticality, "description": "",
            "comments": ""}
    response = client.post(reverse("inventory:device_edit", args=[device.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    _assert_correction_kept(device, site)


def test_correction_by_bulk_edit_is_kept_by_the_next_sweep(client):
    site = f.SiteFactory()
    device = discovered_debian(site)
    ubuntu = f.PlatformFactory(name="Ubuntu", slug="ubuntu")
    Device.objects.filter(pk=device.pk).update(os_version="20.04.6 LTS")  # (the bulk form edits the platform)
    services.device_save_by_person(device=Device.objects.get(pk=device.pk), changed_fields=["os_version"])
    client.force_login(f.UserFactory(perms=EDITOR))
    response = client.post(reverse("inventory:device_bulk_edit"), {"pk": [device.pk], "_apply": "1",
                                                                  "platform": ubuntu.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    _assert_correction_kept(device, site)


# --- a stronger conflicting fact becomes a proposal; accepted or rejected; not re-proposed ---------------------------


def _person_owned_ubuntu(site) -> Device:
    device = f.DeviceFactory(site=site, name="app01", primary_ip=ADDRESS, kind="server",
                             platform=f.PlatformFactory(name="Ubuntu", slug="ubuntu"), os_version="20.04.6 LTS")
    return services.device_save_by_person(device=device, changed_fields=["platform", "os_version"])


def test_stronger_ssh_fact_against_a_persons_value_is_proposed_and_accepted_through_the_api():
    site = f.SiteFactory()
    device = _person_owned_ubuntu(site)
    outcome = sweep(ssh_facts("debian", "12", "Debian GNU/Linux 12 (bookworm)"), site, DiscoverySourceChoices.SSH,
                    job_id=f.JobFactory().pk)
    device.refresh_from_db()
    assert (device.platform.name, device.os_version) == ("Ubuntu", "20.04.6 LTS")  # kept
    proposals = {p.field: p for p in ProposedChange.objects.filter(device=device)}
    assert set(proposals) == {"platform", "os_version"}
    assert proposals["platform"].proposed_value == "Debian" and proposals["platform"].proposed_source == "ssh"
    assert proposals["platform"].current_value == "Ubuntu" and proposals["platform"].current_source == "person"
    assert outcome.changes["proposed"]["platform"] == ["Ubuntu", "Debian", "ssh"]
    # the next sweep says the same: no second proposal
    sweep(ssh_facts("debian", "12", "Debian GNU/Linux 12 (bookworm)"), site, DiscoverySourceChoices.SSH)
    assert ProposedChange.objects.filter(device=device).count() == 2

    user = f.UserFactory(perms=EDITOR)
    url = reverse("inventory-api:proposedchange-accept", args=[proposals["platform"].pk])
    assert api(f.UserFactory(perms=["inventory.view_proposedchange"])).post(url).status_code == 403
    response = api(user).post(url)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted" and response.json()["decided_by"] == user.username
    response = api(user).post(reverse("inventory-api:proposedchange-decide"),
                              {"ids": [proposals["os_version"].pk], "accept": True}, format="json")
    assert response.json() == {"decided": 1}
    device.refresh_from_db()
    assert (device.platform.name, device.os_version) == ("Debian", "12")
    assert "platform" not in device.locked_fields and "os_version" not in device.locked_fields
    prov = device.provenance.get(field="os_version")
    assert (prov.source, prov.strength) == ("ssh", 90) and "os-release" in prov.detail
    # accepting twice is a clear 400, not a 500
    assert api(user).post(url).status_code == 400


def test_rejected_proposal_is_remembered_and_not_proposed_again(client):
    site = f.SiteFactory()
    device = _person_owned_ubuntu(site)
    sweep(ssh_facts("debian", "12", "Debian GNU/Linux 12"), site, DiscoverySourceChoices.SSH)
    client.force_login(f.UserFactory(perms=EDITOR))
    inbox = client.get(reverse("inventory:proposedchange_list") + "?status=open")
    assert inbox.status_code == 200 and b"Debian" in inbox.content and b"Accept selected" in inbox.content
    pks = list(ProposedChange.objects.values_list("pk", flat=True))
    response = client.post(reverse("inventory:proposedchange_decide"), {"pk": pks, "reject": "1"})
    assert response.status_code == 302
    assert set(ProposedChange.objects.values_list("status", flat=True)) == {ProposedChangeStatusChoices.REJECTED}
    sweep(ssh_facts("debian", "12", "Debian GNU/Linux 12"), site, DiscoverySourceChoices.SSH)
    assert not ProposedChange.objects.filter(status=ProposedChangeStatusChoices.OPEN).exists()
    device.refresh_from_db()
    assert device.platform.name == "Ubuntu"
    # a different value later is news again
    sweep(ssh_facts("debian", "13", "Debian GNU/Linux 13"), site, DiscoverySourceChoices.SSH)
    assert ProposedChange.objects.get(status=ProposedChangeStatusChoices.OPEN).proposed_value == "13"


def test_device_page_shows_sources_and_proposals(client):
    site = f.SiteFactory()
    device = _person_owned_ubuntu(site)
    sweep(ssh_facts("debian", "12", "Debian GNU/Linux 12 <script>x</script>"), site, DiscoverySourceChoices.SSH)
    client.force_login(f.UserFactory(perms=EDITOR))
    page = client.get(device.get_absolute_url()).content.decode()
    assert "Where the values come from" in page and "Set by a person" in page
    assert "Proposed changes (2)" in page and "<script>x" not in page


def test_inbox_and_decisions_need_permission(client):
    site = f.SiteFactory()
    _person_owned_ubuntu(site)
    sweep(ssh_facts("debian", "12", "Debian GNU/Linux 12"), site, DiscoverySourceChoices.SSH)
    pk = ProposedChange.objects.first().pk
    client.force_login(f.UserFactory(perms=["inventory.view_proposedchange", "inventory.view_device"]))
    assert b"Accept selected" not in client.get(reverse("inventory:proposedchange_list") + "?status=open").content
    assert client.post(reverse("inventory:proposedchange_decide"), {"pk": [pk], "accept": "1"}).status_code == 403
    client.force_login(f.UserFactory(perms=EDITOR))
    assert client.post(reverse("inventory:proposedchange_decide"), {"pk": ["abc"], "accept": "1"}).status_code == 400
    assert ProposedChange.objects.get(pk=pk).status == ProposedChangeStatusChoices.OPEN


# --- discovered devices: stronger sources win, weaker ones never make a record worse --------------------------------


def test_weaker_snmp_guess_never_replaces_an_ssh_release():
    site = f.SiteFactory()
    outcome = sweep(ssh_facts("ubuntu", "22.04", "Ubuntu 22.04.4 LTS"), site, DiscoverySourceChoices.SSH)
    device = Device.objects.get(pk=outcome.device_id)
    assert (device.platform.name, device.os_version) == ("Ubuntu", "22.04")
    sweep(snmp_sweep_facts(), site)
    device.refresh_from_db()
    assert (device.platform.name, device.os_version) == ("Ubuntu", "22.04")
    assert device.provenance.get(field="os_version").source == "ssh"
    assert not ProposedChange.objects.exists()


def test_real_upgrade_updates_a_discovered_device_and_the_finding_follows():
    site = f.SiteFactory()
    old = HostFacts(address=ADDRESS, sources=("ssh",), hostname="th-app01", kind="server", platform="Windows Server",
                    version="2012 R2 Standard")
    outcome = sweep(old, site, DiscoverySourceChoices.SSH)
    findings_evaluate(device_ids=[outcome.device_id], as_of=dt.date(2027, 1, 15))
    assert Finding.objects.filter(device_id=outcome.device_id, reason=FindingReasonChoices.OS_END_OF_SUPPORT).exists()
    new = HostFacts(address=ADDRESS, sources=("ssh",), hostname="th-app01", kind="server", platform="Windows Server",
                    version="2022 Standard")
    outcome = sweep(new, site, DiscoverySourceChoices.SSH)
    assert outcome.changes["os_version"] == ["2012 R2 Standard", "2022 Standard"]
    findings_evaluate(device_ids=[outcome.device_id], as_of=dt.date(2027, 1, 15))
    assert not Finding.objects.filter(device_id=outcome.device_id,
                                      reason=FindingReasonChoices.OS_END_OF_SUPPORT).exists()


def test_an_imported_device_is_not_frozen_a_stronger_source_proposes_the_upgrade():
    site = f.SiteFactory()
    device = f.DeviceFactory(site=site, name="th-app01", primary_ip=ADDRESS, kind="server",
                             discovery_source=DiscoverySourceChoices.IMPORT,
                             platform=f.PlatformFactory(name="Windows Server", slug="windows-server"),
                             os_version="2012 R2 Standard")
    new = HostFacts(address=ADDRESS, sources=("ssh",), hostname="th-app01", kind="server", platform="Windows Server",
                    version="2022 Standard")
    sweep(new, site, DiscoverySourceChoices.SSH)
    change = ProposedChange.objects.get(device=device)
    assert (change.field, change.proposed_value, change.current_source) == ("os_version", "2022 Standard", "import")
    services.proposed_change_accept(change=change)
    device.refresh_from_db()
    assert device.os_version == "2022 Standard"


def test_dry_run_writes_nothing_and_shows_the_plan():
    site = f.SiteFactory()
    device = _person_owned_ubuntu(site)
    before = (Device.objects.count(), FieldProvenance.objects.count())
    outcome = sweep(ssh_facts("debian", "12", "Debian GNU/Linux 12"), site, DiscoverySourceChoices.SSH, dry_run=True)
    assert outcome.device_id == device.pk
    assert outcome.changes["proposed"]["platform"] == ["Ubuntu", "Debian", "ssh"]
    assert not ProposedChange.objects.exists()
    new = sweep(HostFacts(address="127.0.0.9", sources=("snmp",), hostname="new-box"), site, dry_run=True)
    assert new.action == "created" and new.device_id is None and new.changes["name"] == [None, "new-box"]
    assert (Device.objects.count(), FieldProvenance.objects.count()) == before


def test_provenance_recorded_for_a_new_discovered_device_in_a_batch():
    from discovery.reconcile import batch_flush, host_keys
    from inventory.matching import match_index_build

    site = f.SiteFactory()
    facts = [classify(HostFacts(address=f"127.0.0.{n}", sources=("snmp",), hostname=f"h{n}", sys_descr=DEBIAN_SYSDESCR,
                                sys_object_id="1.3.6.1.4.1.8072.3.2.10")) for n in (2, 3)]
    index = match_index_build(site=site, hosts=[host_keys(x) for x in facts])
    for x in facts:
        sweep(x, site, index=index)
    batch_flush(index=index)
    rows = FieldProvenance.objects.filter(device__name="h2")
    by_field = {p.field: p for p in rows}
    assert by_field["platform"].source == "snmp_generic"  # a kernel build string names the distribution
    assert "os_version" not in by_field  # a kernel version is not the OS version: not recorded at all
    assert by_field["name"].source == "snmp_vendor"  # sysName: the name the device gives itself


def test_accept_everything_a_run_proposed_from_the_ui(client):
    site = f.SiteFactory()
    device = _person_owned_ubuntu(site)
    job = f.JobFactory()
    sweep(ssh_facts("debian", "12", "Debian GNU/Linux 12"), site, DiscoverySourceChoices.SSH, job_id=job.pk)
    other = f.DeviceFactory(site=site, name="other", kind="server", os_version="1.0")
    services.device_save_by_person(device=other, changed_fields=["os_version"])
    services.proposed_change_open(device=other, field="os_version", value="2.0", at=other.created,
                                  source=source_of(ProvenanceSourceChoices.SSH))  # from another run
    client.force_login(f.UserFactory(perms=EDITOR))
    response = client.post(reverse("inventory:proposedchange_decide"), {"job": str(job.pk), "accept": "1"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.platform.name, device.os_version) == ("Debian", "12")
    assert ProposedChange.objects.get(device=other).status == ProposedChangeStatusChoices.OPEN


def test_an_import_goes_through_the_same_door_provenance_lock_and_findings():
    from inventory.services_import import import_apply

    site = f.SiteFactory(slug="town-hall", name="Town Hall")
    csv = (b"name,site,kind,platform,os_version\n"
           b"th-app01,town-hall,server,Windows Server,2012 R2 Standard\n")
    result = import_apply(data=csv, filename="register.csv")
    assert result.applied, result.as_dict()
    device = Device.objects.get(name="th-app01", site=site)
    assert {"platform", "os_version"} <= set(device.locked_fields)
    assert device.provenance.get(field="os_version").source == ProvenanceSourceChoices.IMPORT
    assert Finding.objects.filter(device=device).exists()  # evaluated as it was imported
    # a weaker SNMP guess keeps the imported value; SSH's stronger one is proposed
    sweep(HostFacts(address=ADDRESS, sources=("snmp",), hostname="th-app01", sys_descr="Hardware: x86 Windows "
                    "Version 6.3 (Build 9600)", platform="Windows", version="6.3"), site)
    assert not ProposedChange.objects.exists()
    device.refresh_from_db()
    assert device.os_version == "2012 R2 Standard"
