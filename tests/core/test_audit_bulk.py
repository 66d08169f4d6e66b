"""The ORM-bypassing writes (estate/audit_bulk.py) leave the same rows and history as save() and auditlog do."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.test import TestCase
from django.utils import timezone

from estate.audit_bulk import audit_create_record, audit_creates_write, object_insert
from estate.context import audit_context
from inventory.choices import DeviceKindChoices, DiscoverySourceChoices
from inventory.models import Device, InstalledSoftware
from tests.factories import DeviceFactory, ManufacturerFactory, PlatformFactory, SiteFactory, UserFactory

_TIMES = ("id", "created", "last_updated")


_SEEN = timezone.now()


def _device(site, name: str, maker, platform) -> Device:
    """A device with a value in every kind of field: text, foreign keys, IPs, dates, decimal, JSON, datetimes."""
    return Device(
        name=name, site=site, kind=DeviceKindChoices.SERVER, manufacturer=maker, serial=f"SN-<script>-é-{name}",
        platform=platform, os_version="22.04", primary_ip="127.0.0.9",
        purchase_date=date(2019, 4, 1), purchase_cost=Decimal("1234.50"), locked_fields=["serial"],
        first_seen=_SEEN, last_seen=_SEEN, discovery_source=DiscoverySourceChoices.SNMP,
    )


class ObjectInsertTest(TestCase):
    def test_the_row_is_the_row_save_writes(self):
        site, maker, platform = SiteFactory(), ManufacturerFactory(), PlatformFactory()
        saved, inserted = _device(site, "by-save", maker, platform), _device(site, "by-insert", maker, platform)
        saved.save()
        object_insert(inserted)

        self.assertIsNotNone(inserted.pk)
        self.assertFalse(inserted._state.adding)
        self.assertIsNotNone(inserted.created)  # auto_now_add / auto_now were applied
        self.assertIsNotNone(inserted.last_updated)
        a, b = Device.objects.get(pk=saved.pk), Device.objects.get(pk=inserted.pk)
        got, expected = model_to_dict(b), model_to_dict(a)
        for field in (*_TIMES, "name", "serial"):
            got.pop(field, None), expected.pop(field, None)
        self.assertEqual(got, expected)
        self.assertEqual(b.purchase_cost, Decimal("1234.50"))
        self.assertEqual(b.locked_fields, ["serial"])

    def test_a_constraint_still_holds(self):
        site = SiteFactory()
        DeviceFactory(site=site, name="twin")
        with self.assertRaises(IntegrityError), transaction.atomic():
            object_insert(Device(name="twin", site=site))
        self.assertEqual(Device.objects.filter(site=site).count(), 1)


class CreateHistoryTest(TestCase):
    """History written in bulk must read exactly like auditlog's own, whoever looks at it (the device page)."""

    def _compare(self, own: LogEntry, bulk: LogEntry, *, differ: set[str]) -> None:
        self.assertEqual(bulk.action, LogEntry.Action.CREATE)
        self.assertEqual(bulk.actor_id, own.actor_id)
        self.assertEqual(bulk.cid, "req-1")
        # auditlog also lists reverse relations ("inventory.Interface.None") and fields left empty ("None" to
        # "None"): they say nothing, and the bulk history leaves them out
        said = {f for f, (_old, new) in own.changes_dict.items() if new != "None" and not new.endswith(".None")}
        self.assertEqual(set(bulk.changes_dict), said)
        for field in said - differ:
            self.assertEqual(bulk.changes_dict[field], own.changes_dict[field], field)

    def test_device_history_matches_auditlog(self):
        site, user, maker, platform = SiteFactory(), UserFactory(), ManufacturerFactory(), PlatformFactory()
        with audit_context(actor=user, request_id="req-1"):
            own = _device(site, "own", maker, platform)
            own.save()
            bulk = _device(site, "bulk", maker, platform)
            object_insert(bulk)
            audit_creates_write([audit_create_record(bulk)], now=timezone.now())
        entries = {e.object_id: e for e in LogEntry.objects.get_for_model(Device)}
        self.assertEqual(entries[bulk.pk].object_repr, "bulk")
        self._compare(entries[own.pk], entries[bulk.pk], differ={"id", "name", "serial", "first_seen", "last_seen"})

    def test_software_history_matches_auditlog(self):
        device = DeviceFactory()
        with audit_context(actor=UserFactory(), request_id="req-1"):
            own = InstalledSoftware.objects.create(device=device, product="openssl", version="3.0.2")
            new = InstalledSoftware.objects.bulk_create([InstalledSoftware(device=device, product="bash",
                                                                           version="3.0.2")])
            audit_creates_write([audit_create_record(o) for o in new], now=timezone.now())
        entries = {e.object_id: e for e in LogEntry.objects.get_for_model(InstalledSoftware)}
        self.assertEqual(len(entries), 2)
        self._compare(entries[own.pk], entries[new[0].pk], differ={"id", "product"})
        self.assertEqual(entries[new[0].pk].changes_dict["product"], ["None", "bash"])
