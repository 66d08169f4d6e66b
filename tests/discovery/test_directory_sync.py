"""The directory sync's writes on parsed computers (no directory needed): reconcile through host_reconcile,
last seen from the logon time (never backwards), disabled accounts, OU site and department, vanished computers,
precedence over a person's values, and the job's outcome when a source is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auditlog.models import LogEntry
from django.test import TestCase
from django.utils import timezone

from discovery.facts import HostFacts
from discovery.models_directory import DirectoryComputer
from discovery.parsers.directory import parse_computer
from discovery.reconcile import host_reconcile, reference_cache_clear
from discovery.services_directory import SyncPlan, directory_batch_apply, directory_vanished_mark
from estate.context import audit_context
from estate.jobs import job_enqueue, job_execute
from estate.models import Job
from inventory.models import Device
from tests.factories import DirectorySourceFactory, SiteFactory

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
FILETIME_1970 = 116444736000000000


def computer(name: str, ou: str = "OU=Desktops,DC=c,DC=l", os: str = "Windows 10 Pro",
             version: str = "10.0 (19045)", logon: datetime | None = T0, disabled: bool = False):
    attrs = {"cn": [name.encode()], "distinguishedName": [f"CN={name},{ou}".encode()],
             "dNSHostName": [f"{name.lower()}.c.l".encode()], "operatingSystem": [os.encode()],
             "operatingSystemVersion": [version.encode()], "userAccountControl": [b"4098" if disabled else b"4096"]}
    if logon is not None:
        attrs["lastLogonTimestamp"] = [str(FILETIME_1970 + int(logon.timestamp()) * 10_000_000).encode()]
    return parse_computer(attrs)


class DirectorySyncTest(TestCase):
    def setUp(self):
        reference_cache_clear()
        self.site, self.libraries = SiteFactory(slug="hq"), SiteFactory(slug="libraries")
        self.source = DirectorySourceFactory(
            site=self.site, disabled_status="decommissioning",
            ou_site_map="OU=Libraries,DC=c,DC=l = libraries",
            ou_department_map="DC=c,DC=l = Corporate IT\nOU=Libraries,DC=c,DC=l => Libraries")

    def sync(self, computers, dry_run=False):
        # as the job does: in an audit context of its own (auditlog leaves the last one set in the thread)
        with audit_context(request_id="test-directory-sync"):
            plan = SyncPlan.for_source(self.source)
            results = directory_batch_apply(computers=computers, plan=plan, dry_run=dry_run)
            if not dry_run:
                directory_vanished_mark(plan=plan, seen_dns={c.dn.lower() for c in computers}, now=timezone.now())
        return {r["name"]: r for r in results}

    def test_first_sync_then_unchanged(self):
        estate = [computer("PC1"), computer("PC2", disabled=True), computer("LIB1", ou="OU=Libraries,DC=c,DC=l"),
                  computer("SRV1", ou="OU=Servers,DC=c,DC=l", os="Windows Server 2019 Standard",
                           version="10.0 (17763)")]
        results = self.sync(estate)
        self.assertEqual({r["action"] for r in results.values()}, {"created"})
        devices = {d.name: d for d in Device.objects.all()}
        self.assertEqual((devices["PC1"].kind, devices["PC1"].platform.name, devices["PC1"].os_version),
                         ("desktop", "Windows 10", "22H2 Pro (10.0.19045)"))
        self.assertEqual(devices["SRV1"].kind, "server")
        self.assertEqual(devices["PC1"].last_seen, T0)
        self.assertEqual(devices["PC2"].status, "decommissioning")
        self.assertEqual((devices["LIB1"].site, devices["LIB1"].department), (self.libraries, "Libraries"))
        self.assertEqual(devices["PC1"].department, "Corporate IT")
        self.assertEqual(DirectoryComputer.objects.filter(source=self.source).count(), 4)
        before = (LogEntry.objects.count(), list(Device.objects.values_list("last_updated", flat=True)))
        results = self.sync(estate)
        self.assertEqual({r["action"] for r in results.values()}, {"unchanged"})
        self.assertEqual((LogEntry.objects.count(), list(Device.objects.values_list("last_updated", flat=True))),
                         before)

    def test_last_seen_follows_the_logon_and_never_goes_back(self):
        self.sync([computer("PC1", logon=T0)])
        later = T0 + timedelta(days=3)
        self.sync([computer("PC1", logon=later)])
        device = Device.objects.get(name="PC1")
        self.assertEqual(device.last_seen, later)
        seen_by_ssh = later + timedelta(days=5)
        Device.objects.filter(pk=device.pk).update(last_seen=seen_by_ssh)
        self.sync([computer("PC1", logon=later)])
        self.assertEqual(Device.objects.get(pk=device.pk).last_seen, seen_by_ssh)

    def test_disabled_then_enabled_again(self):
        self.sync([computer("PC1")])
        self.sync([computer("PC1", disabled=True)])
        device = Device.objects.get(name="PC1")
        self.assertEqual(device.status, "decommissioning")
        changes = [e.changes["status"] for e in LogEntry.objects.get_for_object(device).filter(
            action=LogEntry.Action.UPDATE) if "status" in e.changes]
        self.assertEqual(changes, [["active", "decommissioning"]])
        self.sync([computer("PC1")])
        self.assertEqual(Device.objects.get(pk=device.pk).status, "active")

    def test_a_retired_device_stays_retired(self):
        self.sync([computer("PC1")])
        Device.objects.filter(name="PC1").update(status="retired")
        self.sync([computer("PC1", disabled=True)])
        self.assertEqual(Device.objects.get(name="PC1").status, "retired")

    def test_vanished_computers_are_marked_never_deleted(self):
        self.sync([computer("PC1"), computer("PC2")])
        self.sync([computer("PC1")])
        row = DirectoryComputer.objects.get(name="PC2")
        self.assertIsNotNone(row.vanished)
        self.assertTrue(Device.objects.filter(pk=row.device_id).exists())
        self.sync([computer("PC1"), computer("PC2")])  # back again
        self.assertIsNone(DirectoryComputer.objects.get(name="PC2").vanished)

    def test_dry_run_writes_nothing(self):
        results = self.sync([computer("PC1")], dry_run=True)
        self.assertEqual(results["PC1"]["action"], "created")
        self.assertFalse(Device.objects.exists() or DirectoryComputer.objects.exists())

    def test_a_persons_department_and_an_ssh_fact_are_kept(self):
        facts = HostFacts(address="10.0.0.5", sources=("ssh",), hostname="PC1", kind="laptop",
                          platform="Windows 10", version="22H2 Enterprise (10.0.19045)")
        outcome = host_reconcile(facts=facts, site=self.site, source="ssh")
        Device.objects.filter(pk=outcome.device_id).update(department="Finance")
        self.sync([computer("PC1")])
        device = Device.objects.get(pk=outcome.device_id)
        self.assertEqual(device.department, "Finance")  # a person's value is never overwritten
        self.assertEqual(Device.objects.count(), 1)  # matched by name: the same machine

    def test_a_sync_of_a_deleted_source_fails_cleanly(self):
        job = job_enqueue(kind="directory_sync", name="gone", source_id=999999)
        job_execute(job.pk)
        job = Job.objects.get(pk=job.pk)
        self.assertEqual(job.status, "failed")
        self.assertIn("no longer exists", job.error)

    def test_an_upgrade_or_a_deleted_device_is_reconciled_again(self):
        self.sync([computer("PC1"), computer("PC2")])
        results = self.sync([computer("PC1", os="Windows 11 Pro", version="10.0 (26100)"), computer("PC2")])
        self.assertEqual((results["PC1"]["action"], results["PC2"]["action"]), ("updated", "unchanged"))
        self.assertEqual(Device.objects.get(name="PC1").platform.name, "Windows 11")
        Device.objects.filter(name="PC2").delete()
        results = self.sync([computer("PC1", os="Windows 11 Pro", version="10.0 (26100)"), computer("PC2")])
        self.assertEqual(results["PC2"]["action"], "created")
        self.assertEqual(DirectoryComputer.objects.get(name="PC2").device.name, "PC2")

    def test_bind_passwords_are_rotated_to_the_first_key(self):
        from django.test import override_settings

        from discovery.secrets import generate_key
        from discovery.services_directory import directory_source_secrets_rotate

        new, old = generate_key(), self.settings_keys()
        with override_settings(ESTATE_SECRETS_KEYS=[new, *old]):
            self.assertEqual(directory_source_secrets_rotate(), 1)
        with override_settings(ESTATE_SECRETS_KEYS=[new]):
            self.source.refresh_from_db()
            self.assertEqual(self.source.password(), "factory-bind-pw")

    @staticmethod
    def settings_keys():
        from django.conf import settings

        return list(settings.ESTATE_SECRETS_KEYS)
