"""The demo estate: realistic, every kind of device, ageing kit, applications and dependencies; idempotent."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from inventory.choices import DeviceKindChoices
from inventory.demo import AGENT_IPS, demo_estate_load
from inventory.models import Application, Dependency, Device, InstalledSoftware, IPAddress, Site


class DemoEstateTest(TestCase):
    def test_demo_estate(self):
        result = demo_estate_load()
        self.assertTrue(55 <= Device.objects.count() <= 75, Device.objects.count())
        self.assertEqual(result.devices, Device.objects.count())
        self.assertEqual(set(Site.objects.values_list("name", flat=True)),
                         {"Town Hall", "Riverside Depot", "Central Library"})
        kinds = set(Device.objects.values_list("kind", flat=True))
        self.assertEqual(kinds, set(DeviceKindChoices.values))
        # Ageing kit.
        today = timezone.localdate()
        self.assertTrue(Device.objects.filter(purchase_date__lt=today - dt.timedelta(days=5 * 365)).exists())
        self.assertTrue(Device.objects.filter(warranty_end__lt=today).exists())
        self.assertTrue(Device.objects.filter(last_seen__lt=timezone.now() - dt.timedelta(days=90)).exists())
        self.assertTrue(Device.objects.filter(platform__name="Windows Server", os_version__startswith="2012 R2")
                        .exists())
        # Applications, their devices and what depends on what.
        self.assertGreaterEqual(Application.objects.count(), 7)
        revs = Application.objects.get(name="Revenues & Benefits")
        self.assertEqual(revs.devices.count(), 2)
        self.assertTrue(Dependency.objects.filter(source_device__name="th-revs-app-01",
                                                  target_device__name="th-revs-db-01", port=1433).exists())
        self.assertTrue(Dependency.objects.filter(source_application__isnull=False,
                                                  target_application__isnull=False).exists())
        self.assertTrue(InstalledSoftware.objects.filter(device__name="th-revs-db-01",
                                                         product__startswith="Microsoft SQL Server").exists())
        self.assertTrue(IPAddress.objects.filter(device__name="th-core-sw-01").exists())
        # Audited under the "demo" request id.
        self.assertTrue(LogEntry.objects.filter(cid="demo").exists())
        self.assertFalse(LogEntry.objects.filter(content_type__app_label="inventory").exclude(cid="demo").exists())

    def test_second_run_changes_nothing(self):
        demo_estate_load()
        before = (Device.objects.count(), LogEntry.objects.count(), Dependency.objects.count())
        result = demo_estate_load()
        self.assertEqual((result.created, result.updated), (0, 0))
        self.assertEqual((Device.objects.count(), LogEntry.objects.count(), Dependency.objects.count()), before)

    def test_with_agents_uses_loopback_addresses(self):
        demo_estate_load(with_agents=True)
        self.assertGreaterEqual(len(AGENT_IPS), 5)
        for name, ip in AGENT_IPS.items():
            self.assertEqual(Device.objects.get(name=name).primary_ip, ip)
        self.assertEqual(Device.objects.get(name="th-monitor-01").primary_ip, "127.77.0.10")
        self.assertEqual(Device.objects.get(name="th-core-sw-01").primary_ip, "127.77.0.2")
        self.assertEqual(Device.objects.filter(primary_ip__startswith="127.77.0.").count(), len(AGENT_IPS))

    def test_command_with_admin_password_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "admin-password"
            out = io.StringIO()
            call_command("load_demo", "--admin-password-file", str(path), stdout=out)
            password = path.read_text().strip()
            self.assertGreaterEqual(len(password), 20)
            self.assertNotIn(password, out.getvalue())
            self.assertEqual(path.stat().st_mode & 0o777, 0o600)
            users = get_user_model().objects
            admin = users.get(username="admin")
            self.assertTrue(admin.is_superuser and admin.check_password(password))
            self.assertTrue(admin.groups.filter(name="Engineers").exists())
            viewer = users.get(username="viewer")
            self.assertFalse(viewer.is_superuser)
            self.assertTrue(viewer.groups.filter(name="Viewers").exists())
            self.assertTrue(viewer.has_perm("inventory.view_device"))
            self.assertFalse(viewer.has_perm("inventory.add_device"))
            call_command("load_demo", "--admin-password-file", str(path), stdout=io.StringIO())
            self.assertEqual(path.read_text().strip(), password)  # not rotated on a rerun
