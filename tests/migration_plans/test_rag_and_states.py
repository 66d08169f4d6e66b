"""Item state machine, approval and dependency warnings (the RAG is tested in test_reporting.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from migration_plans import selectors, services
from migration_plans.choices import ItemStateChoices, WaveStatusChoices
from migration_plans.models import Programme, Wave, WaveItem
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def make_wave(items=4, start=TODAY - timedelta(days=10), end=TODAY + timedelta(days=10), approved=True, **kw):
    programme = Programme.objects.create(name=f"P{Programme.objects.count()}", slug=f"p{Programme.objects.count()}")
    wave = Wave.objects.create(programme=programme, name="Wave 1", kind="desktop_replacement", planned_start=start,
                               planned_end=end, **kw)
    model = f.HardwareModelFactory(kind="desktop")
    for _ in range(items):
        WaveItem.objects.create(wave=wave, device=f.DeviceFactory(kind="desktop"), strategy="replace",
                                target_hardware_model=model)
    if approved:
        user = f.UserFactory()
        wave.approved_by, wave.approved_at = user, wave.created
        wave.save()
    return wave


def set_states(wave, *states):
    for item, state in zip(wave.items.order_by("pk"), states, strict=False):
        WaveItem.objects.filter(pk=item.pk).update(state=state)


def test_item_state_machine():
    wave = make_wave(items=1)
    item = wave.items.get()
    with pytest.raises(ValidationError, match="cannot go from Planned to Done"):
        services.wave_item_transition(item=item, to_state=ItemStateChoices.DONE)
    for state in ("ready", "in_progress", "validated", "done"):
        services.wave_item_transition(item=item, to_state=state)
    assert WaveItem.objects.get().state == "done"
    services.wave_item_transition(item=item, to_state=ItemStateChoices.ROLLED_BACK)
    assert services.wave_complete_if_done(wave=wave).status != WaveStatusChoices.COMPLETED


def test_approval_requires_items_and_dates_and_schedules_the_wave():
    empty = make_wave(items=0, approved=False)
    with pytest.raises(ValidationError):
        services.wave_approve(wave=empty, user=f.UserFactory())
    wave = make_wave(approved=False)
    services.wave_approve(wave=wave, user=f.UserFactory())
    assert wave.is_approved and wave.status == WaveStatusChoices.SCHEDULED


def test_bulk_add_skips_devices_already_in_the_wave():
    wave = make_wave(items=0)
    devices = [f.DeviceFactory(kind="server") for _ in range(3)]
    assert services.wave_items_add(wave=wave, devices=devices, strategy="rehost", target_provider="Azure") == \
        {"added": 3, "skipped": 0}
    assert services.wave_items_add(wave=wave, devices=devices, strategy="rehost", target_provider="Azure") == \
        {"added": 0, "skipped": 3}


def test_dependency_warnings_for_later_wave_or_no_wave():
    early = make_wave(items=0)
    late = make_wave(items=0, start=TODAY + timedelta(days=60), end=TODAY + timedelta(days=90))
    web, db, auth = f.DeviceFactory(name="web"), f.DeviceFactory(name="db"), f.DeviceFactory(name="auth")
    f.DependencyFactory(source_device=web, target_device=db, port=1433)
    f.DependencyFactory(source_device=web, target_device=auth, port=389)
    services.wave_items_add(wave=early, devices=[web], strategy="rehost", target_provider="Azure")
    services.wave_items_add(wave=late, devices=[db], strategy="rehost", target_provider="Azure")
    warnings = selectors.wave_dependency_warnings(early)
    assert any("db" in w and "later" in w for w in warnings)
    assert any("auth" in w and "no wave" in w for w in warnings)
