"""A person's correction survives real sweeps (issue: discovery trust), against a real SNMP agent on loopback.

An agent whose sysDescr names Debian's kernel is discovered from the command line; an engineer corrects the platform
and version through the API, the web form and bulk edit; the next sweep keeps every correction and proposes nothing
new (an SNMP sysDescr guess is weaker than a person). The run page and the API show the plan ("kept")."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from discovery.models import HostResult
from inventory.models import Device, Platform, ProposedChange
from tests.agents.fixtures import SNMP_FIXTURES, loopback
from tests.agents.snmp import SnmprecResponder
from tests.factories import PlatformFactory, SiteFactory, UserFactory

pytestmark = [pytest.mark.agents, pytest.mark.django_db(transaction=True)]

BLOCK = 43
PORT = 16143
COMMUNITY = "estate-trust"
DEBIAN = "Linux app01 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64"
EDITOR = ["inventory.view_device", "inventory.change_device", "inventory.view_proposedchange",
          "discovery.view_discoveryrun"]


@pytest.fixture(scope="module")
def agents(tmp_path_factory) -> dict[str, str]:
    """Three Debian servers by SNMP (one per way of correcting), each its own address and name."""
    root = tmp_path_factory.mktemp("trust-agents")
    base = (SNMP_FIXTURES / "linux_ubuntu2204.snmprec").read_text(encoding="utf-8").splitlines()
    addresses = {}
    dirs: list[Path] = []
    for n, name in enumerate(("app-api", "app-form", "app-bulk"), start=1):
        swap = {"1.3.6.1.2.1.1.1.0": f"4|{DEBIAN}", "1.3.6.1.2.1.1.5.0": f"4|{name}",
                "1.3.6.1.6.3.10.2.1.1.0": f"4x|80001f8880{n:024x}"}  # its own name and SNMP engine id
        lines = [f"{oid}|{swap[oid]}" if (oid := line.split("|", 1)[0]) in swap else line for line in base
                 if not line.startswith("1.3.6.1.2.1.2.2.1.6.")]  # no MACs: the three would be one machine
        directory = root / name
        directory.mkdir()
        (directory / f"{COMMUNITY}.snmprec").write_text("\n".join(lines) + "\n", encoding="utf-8")
        dirs.append(directory)
        addresses[name] = loopback(BLOCK, n)
    responders = [SnmprecResponder(root / f"run-{n}", d, [(addresses[d.name], PORT)], community=COMMUNITY)
                  for n, d in enumerate(dirs)]
    for responder in responders:
        responder.start()
    try:
        yield addresses
    finally:
        for responder in responders:
            responder.stop()


def discover(site, *addresses: str) -> dict:
    out = io.StringIO()
    call_command("discover", *addresses, "--port", str(PORT), "--community", COMMUNITY, "--site", site.slug,
                 "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_corrections_through_api_form_and_bulk_edit_survive_the_next_sweep(agents, client):
    site = SiteFactory()
    first = discover(site, *agents.values())
    assert first["summary"]["created"] == 3, first
    devices = {d.name: d for d in Device.objects.filter(site=site)}
    assert {d.platform.name for d in devices.values()} == {"Debian"}
    ubuntu = PlatformFactory(name="Ubuntu", slug="ubuntu")
    user = UserFactory(perms=EDITOR)

    api = APIClient()
    api.force_authenticate(user)
    response = api.patch(reverse("inventory-api:device-detail", args=[devices["app-api"].pk]),
                         {"platform": ubuntu.pk, "os_version": "20.04.6 LTS"}, format="json")
    assert response.status_code == 200, response.content

    client.force_login(user)
    form = devices["app-form"]
    response = client.post(reverse("inventory:device_edit", args=[form.pk]), {
        "name": form.name, "kind": form.kind, "status": form.status, "site": site.pk, "platform": ubuntu.pk,
        "os_version": "20.04.6 LTS", "primary_ip": form.primary_ip, "criticality": form.criticality})
    assert response.status_code == 302, response.content.decode()[-3000:]
    response = client.post(reverse("inventory:device_bulk_edit"),
                           {"pk": [devices["app-bulk"].pk], "_apply": "1", "platform": ubuntu.pk})
    assert response.status_code == 302

    second = discover(site, *agents.values())
    assert second["summary"]["created"] == 0 and second["summary"]["failed"] == 0, second
    for name, device in devices.items():
        device.refresh_from_db()
        assert device.platform_id == ubuntu.pk, name
        assert Platform.objects.filter(name="Debian").exists()
    assert Device.objects.get(pk=devices["app-api"].pk).os_version == "20.04.6 LTS"
    assert not ProposedChange.objects.exists()  # a weaker guess is not news
    result = HostResult.objects.filter(device=devices["app-api"]).latest("pk")
    assert result.changes["kept"]["platform"][:2] == ["Ubuntu", "Debian"]
    page = client.get(reverse("discovery:run_detail", args=[result.run_id]))
    assert page.status_code == 200
    assert "kept" in page.content.decode() and "a person&#x27;s value" in page.content.decode()
