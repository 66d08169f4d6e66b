"""Waves and runs: pre-flight on the wave page, a run with nothing runnable refused with why, a failed run shown as
failed, Ansible hosts named by device, the strategy a wave kind defaults to, and the device page's waves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from discovery.models import DeviceAccess, HostResult
from estate.services import token_create
from migration_plans import services
from migration_plans.forms import WaveItemForm
from migration_plans.models import PlaybookRun
from migration_plans.preflight import wave_preflight
from migration_plans.runner import host_name_for
from tests.factories import (
    ApplicationFactory,
    CredentialFactory,
    DeviceFactory,
    DiscoveryRunFactory,
    HardwareModelFactory,
    HostKeyFactory,
    PlaybookRunFactory,
    UserFactory,
    WaveFactory,
    WaveItemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def wave():
    """An approved wave: one item ready to run, and one for each reason an item cannot."""
    today = timezone.localdate()
    wave = WaveFactory(name="Servers", planned_start=today, planned_end=today + timedelta(days=30),
                       approved_at=timezone.now())
    ready = DeviceFactory(name="ready-01", primary_ip="127.98.1.1")
    HostKeyFactory(address="127.98.1.1", device=ready)
    no_ip = DeviceFactory(name="no-ip-01", primary_ip=None)
    no_key = DeviceFactory(name="no-key-01", primary_ip="127.98.1.3")
    gone = DeviceFactory(name="gone-01", primary_ip="127.98.1.4")
    HostKeyFactory(address="127.98.1.4", device=gone)
    HostResult.objects.create(run=DiscoveryRunFactory(), address="127.98.1.4", reachable=False, action="unreachable")
    for device in (ready, no_ip, no_key, gone):
        WaveItemFactory(wave=wave, device=device)
    WaveItemFactory(wave=wave, device=None, application=ApplicationFactory(name="Payroll"))
    return wave


def problems(preflight) -> dict[str, tuple[str, ...]]:
    return {str(r.item.subject): r.problems for r in preflight.rows}


def test_preflight_says_which_items_cannot_run_and_why(wave):
    credential = CredentialFactory(kind="ssh_key", username="ansible")
    got = problems(wave_preflight(wave=wave, credential=credential))
    assert got["ready-01"] == ()
    assert got["no-ip-01"] == ("no IP address",)
    assert got["no-key-01"] == ("no SSH host key recorded by discovery",)
    assert len(got["gone-01"]) == 1 and got["gone-01"][0].startswith("unreachable at the last discovery (")
    assert got["Payroll"] == ("an application, not a host",)
    # without a credential for the run, only a device discovery has logged in to over SSH can run
    without = problems(wave_preflight(wave=wave))
    assert without["ready-01"] == ("no SSH credential (choose one for the run)",)
    ready = wave.items.get(device__name="ready-01").device
    DeviceAccess.objects.create(device=ready, method="ssh", credential=credential, last_success=timezone.now())
    assert problems(wave_preflight(wave=wave))["ready-01"] == ()


def test_wave_page_shows_the_preflight(client, wave):
    client.force_login(UserFactory(perms=["migration_plans.view_wave"]))
    page = client.get(wave.get_absolute_url()).content.decode()
    assert "Pre-flight" in page and "<strong>0 of 5</strong> item(s) can run" in page
    assert "no SSH host key recorded by discovery" in page and "unreachable at the last discovery" in page


def test_api_preflight(wave):
    _, key = token_create(user=UserFactory(perms=["migration_plans.view_wave"]), write_enabled=False)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    credential = CredentialFactory(kind="ssh_key")
    body = api.get(f"/api/migration-plans/waves/{wave.pk}/preflight/", {"credential": credential.pk}).json()
    assert (body["runnable"], body["blocked"]) == (1, 4)
    assert api.get(f"/api/migration-plans/waves/{wave.pk}/preflight/", {"credential": "x"}).status_code == 400


def test_a_run_with_nothing_runnable_is_refused_with_the_reason(client, wave):
    blocked = list(wave.items.exclude(device__name="ready-01").filter(device__isnull=False))
    credential = CredentialFactory(kind="ssh_key")
    with pytest.raises(ValidationError) as exc:
        services.playbook_run_start(wave=wave, playbook="precheck.yml", items=blocked, credential=credential)
    message = " ".join(exc.value.messages)
    assert message.startswith("Nothing to run: 0 of 3 item(s) can run.") and "no-ip-01: no IP address" in message
    assert not PlaybookRun.objects.exists()
    # the page says so too, and starts nothing
    client.force_login(UserFactory(perms=["migration_plans.view_wave", "migration_plans.add_playbookrun"]))
    response = client.post(reverse("migration_plans:wave_run_playbook", kwargs={"pk": wave.pk}),
                           {"playbook": "precheck.yml", "items": [i.pk for i in blocked],
                            "credential": credential.pk}, follow=True)
    assert "Nothing to run" in response.content.decode() and not PlaybookRun.objects.exists()
    # with something runnable it starts
    run = services.playbook_run_start(wave=wave, playbook="precheck.yml", check_mode=True, credential=credential)
    assert run.pk


def test_a_failed_run_shows_failed_with_its_reason(client):
    run = PlaybookRunFactory()
    run.job.status = "failed"
    run.job.error = "None of the selected items is a device with an IP address to run against."
    run.job.finished = timezone.now()
    run.job.save()
    client.force_login(UserFactory(perms=["migration_plans.view_playbookrun"]))
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Not finished yet" not in page
    assert "No host ran: None of the selected items is a device with an IP address" in page
    assert "bg-danger" in page and 'aria-valuenow="0"' in page and "— failed" in page
    body = client.get(reverse("migration_plans:playbookrun_events", kwargs={"pk": run.pk})).json()
    assert body["failed"] is True and body["error"].startswith("None of the selected items")


def test_ansible_hosts_are_named_by_device_name():
    taken: set[str] = set()
    assert host_name_for("th-fs-01", 1, taken) == "th-fs-01"
    assert host_name_for("th-fs-01", 2, taken) == "th-fs-01-2"  # a duplicate keeps its own name apart
    assert host_name_for("Room 1 PC (old)", 3, taken) == "Room-1-PC-old"
    assert host_name_for("all", 4, taken) == "all-4" and host_name_for("", 5, taken) == "device"


def test_the_default_strategy_fits_the_wave_kind(client):
    desktops = WaveFactory(kind="desktop_replacement")
    model = HardwareModelFactory(kind="desktop")
    result = services.wave_items_add(wave=desktops, devices=[DeviceFactory(kind="desktop")], strategy="",
                                     target_hardware_model=model)
    assert result == {"added": 1, "skipped": 0}
    assert desktops.items.get().strategy == "replace"
    form = WaveItemForm(initial={"wave": str(desktops.pk)})
    assert form.initial["strategy"] == "replace"
    assert WaveItemForm(initial={"wave": str(WaveFactory(kind="cloud_migration").pk)}).initial["strategy"] == "rehost"
    client.force_login(UserFactory(perms=["migration_plans.add_waveitem", "migration_plans.view_waveitem"]))
    page = client.get(reverse("migration_plans:waveitem_add"), {"wave": desktops.pk}).content.decode()
    assert '<option value="replace" selected>' in page


def test_device_page_shows_the_waves_and_items_it_is_in(client):
    device = DeviceFactory(name="th-pc-042")
    item = WaveItemFactory(device=device, wave=WaveFactory(name="Town Hall desktops"))
    client.force_login(UserFactory(perms=["inventory.view_device"]))
    page = client.get(device.get_absolute_url()).content.decode()
    assert "Town Hall desktops" not in page  # without permission to see waves, no card
    client.force_login(UserFactory(perms=["inventory.view_device", "migration_plans.view_waveitem"]))
    page = client.get(device.get_absolute_url()).content.decode()
    assert "Programme waves (1)" in page and "Town Hall desktops" in page
    assert item.get_absolute_url() in page and "Planned" in page and "Red: to be scheduled" in page
