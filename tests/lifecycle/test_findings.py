"""Findings: matching against the shipped catalogue, policies, unmatched versions and mappings, recomputation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from discovery.facts import HostFacts
from discovery.reconcile import host_reconcile, reference_cache_clear
from estate.choices import JobStatusChoices
from estate.jobs import job_execute
from estate.models import JobLogEntry, Schedule
from estate.services import token_create
from inventory import services_findings
from inventory.choices import (
    DeviceKindChoices,
    DeviceStatusChoices,
)
from inventory.choices import (
    FindingReasonChoices as R,
)
from inventory.choices import (
    FindingSeverityChoices as S,
)
from inventory.choices import (
    LifecyclePolicyRuleChoices as Rule,
)
from inventory.lifecycle_engine import LifecycleContext
from inventory.models import Device, Finding, LifecycleCycle, LifecyclePolicy, VersionMapping
from inventory.services_findings import findings_evaluate, lifecycle_evaluate_enqueue
from inventory.services_lifecycle import DAILY_CRON, version_mapping_set
from tests import factories as f
from tests.lifecycle import factories as lf

AS_OF = dt.date(2027, 1, 15)


def reasons(device) -> dict[str, Finding]:
    return {finding.reason: finding for finding in Finding.objects.filter(device=device)}


class OutOfSupportOsTest(TestCase):
    """A server discovered with "Windows Server" / "2012 R2 Standard": nobody typed a date, the catalogue knows."""

    def setUp(self):
        self.site = f.SiteFactory()
        reference_cache_clear()  # discovery caches platforms by name; each test has its own database rows
        facts = HostFacts(address="10.20.0.5", sources=("ssh",), hostname="th-app01", kind="server",
                          platform="Windows Server", version="2012 R2 Standard")
        outcome = host_reconcile(facts=facts, site=self.site, source="ssh")
        self.device = Device.objects.get(pk=outcome.device_id)

    def test_finding_with_catalogue_evidence(self):
        self.assertIsNone(self.device.purchase_date)
        summary = findings_evaluate(device_ids=[self.device.pk], as_of=AS_OF)
        self.assertEqual(summary["devices"], 1)
        finding = reasons(self.device)[R.OS_END_OF_SUPPORT]
        self.assertEqual(finding.severity, S.CRITICAL)
        self.assertEqual(finding.effective_date, dt.date(2023, 10, 10))
        self.assertEqual(finding.evidence["product"], "windows-server")
        self.assertEqual(finding.evidence["cycle"], "2012-r2")
        self.assertTrue(finding.evidence["source"].startswith("https://learn.microsoft.com/"))
        cycle = LifecycleCycle.objects.get(product__slug="windows-server", cycle="2012-r2")
        self.assertEqual(finding.evidence["cycle_id"], cycle.pk)

    def test_paid_extended_support_before_it_ends(self):
        findings_evaluate(device_ids=[self.device.pk], as_of=dt.date(2025, 1, 1))
        found = reasons(self.device)
        self.assertNotIn(R.OS_END_OF_SUPPORT, found)
        self.assertEqual(found[R.OS_EXTENDED_SUPPORT_ONLY].severity, S.HIGH)
        self.assertEqual(found[R.OS_EXTENDED_SUPPORT_ONLY].evidence["extended_support_end"], "2026-10-13")

    def test_shown_on_the_device_page_and_in_the_api(self):
        findings_evaluate(as_of=AS_OF)
        source = reasons(self.device)[R.OS_END_OF_SUPPORT].evidence["source"]
        viewer = f.UserFactory(perms=["inventory.view_device", "inventory.view_finding"])
        self.client.force_login(viewer)
        page = self.client.get(self.device.get_absolute_url())
        self.assertContains(page, "OS out of security support")
        self.assertContains(page, "Windows Server 2012 R2")
        self.assertContains(page, f'href="{source}"')

        _, key = token_create(user=viewer)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        body = api.get("/api/lifecycle/findings/", {"device_id": self.device.pk, "reason": R.OS_END_OF_SUPPORT}).json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["results"][0]["source"], source)
        self.assertEqual(body["results"][0]["evidence"]["cycle_label"], "Windows Server 2012 R2")
        devices = api.get("/api/inventory/devices/", {"finding": R.OS_END_OF_SUPPORT}).json()
        self.assertEqual([d["id"] for d in devices["results"]], [self.device.pk])
        self.assertEqual(api.get("/api/inventory/devices/", {"has_findings": "false"}).json()["count"], 0)


class VersionTextsTest(TestCase):
    """The version texts of the brief resolve to the right cycles of the shipped catalogue."""

    CASES = [
        ("Windows Server", "Windows Server 2012 R2 Standard", "windows-server", "2012-r2"),
        ("Windows", "Microsoft Windows 10 Pro 22H2", "windows", "10-22h2"),
        ("Ubuntu", "Ubuntu 20.04.6 LTS", "ubuntu", "20.04"),
        ("Cisco IOS XE", "Cisco IOS XE 17.6.4", "cisco-ios-xe", None),
        ("Cisco IOS", "15.2(7)E4", "cisco-ios", None),
        ("VMware ESXi", "VMware ESXi 7.0.3", "esxi", "7.0"),
    ]

    def test_resolution(self):
        site = f.SiteFactory()
        devices = []
        for i, (platform, version, _, _) in enumerate(self.CASES):
            p = f.PlatformFactory(name=platform, slug=f"p-{i}")
            devices.append(f.DeviceFactory(site=site, platform=p, os_version=version))
        findings_evaluate(as_of=dt.date(2020, 1, 1))  # everything still supported, so no OS finding hides a miss
        for device, (_, version, _, _) in zip(devices, self.CASES, strict=True):
            self.assertNotIn(R.UNKNOWN_VERSION, reasons(device), version)
        from inventory.lifecycle_engine import LifecycleContext

        context = LifecycleContext.load()
        for device, (_, version, product, cycle) in zip(devices, self.CASES, strict=True):
            found = context.resolve(device.platform_id, device.os_version)
            self.assertIsNotNone(found, version)
            self.assertEqual(found.product, product, version)
            if cycle:
                self.assertEqual(found.cycle.cycle, cycle, version)


class UnmatchedAndMappingTest(TestCase):
    def setUp(self):
        self.site = f.SiteFactory()
        self.platform = f.PlatformFactory(name="Acme Phone Firmware", slug="acme-fw")
        self.same = [f.DeviceFactory(site=self.site, kind=DeviceKindChoices.IP_PHONE, platform=self.platform,
                                     os_version="AP-7 build 4411") for _ in range(3)]
        self.other = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.IP_PHONE, platform=self.platform,
                                     os_version="AP-8 build 100")
        self.cycle = lf.LifecycleCycleFactory(cycle="7", label="Acme AP-7", match=["=never-matches"],
                                              end_of_security_support=dt.date(2026, 6, 30))
        findings_evaluate(as_of=AS_OF)

    def test_unknown_version_findings_and_page(self):
        for device in [*self.same, self.other]:
            self.assertEqual(reasons(device)[R.UNKNOWN_VERSION].severity, S.INFO)
        user = f.UserFactory(perms=["inventory.view_finding"])
        self.client.force_login(user)
        page = self.client.get(reverse("inventory:lifecycle_unmatched"))
        self.assertContains(page, "AP-7 build 4411")
        self.assertEqual([(r["version"], r["devices"]) for r in page.context["rows"]
                          if r["platform_id"] == self.platform.pk],
                         [("AP-7 build 4411", 3), ("AP-8 build 100", 1)])
        self.assertNotContains(page, 'name="pair"')  # no permission to map
        export = self.client.get(reverse("inventory:lifecycle_unmatched"), {"export": "csv"})
        self.assertIn("AP-7 build 4411,3", export.content.decode("utf-8-sig"))

    def test_mapping_from_the_page_applies_to_every_device_with_the_pair(self):
        user = f.UserFactory(perms=["inventory.view_finding", "inventory.add_versionmapping"])
        self.client.force_login(user)
        response = self.client.post(reverse("inventory:lifecycle_unmatched"), {
            "pair": f"{self.platform.pk}|AP-7 build 4411", "cycle": self.cycle.pk})
        self.assertEqual(response.status_code, 302)
        mapping = VersionMapping.objects.get()
        self.assertEqual((mapping.platform, mapping.version, mapping.cycle), (self.platform, "AP-7 build 4411",
                                                                              self.cycle))
        for device in self.same:
            found = reasons(device)
            self.assertNotIn(R.UNKNOWN_VERSION, found)
            self.assertEqual(found[R.OS_END_OF_SUPPORT].evidence["matched_by"], "mapping")
            self.assertEqual(found[R.OS_END_OF_SUPPORT].effective_date, dt.date(2026, 6, 30))
        self.assertIn(R.UNKNOWN_VERSION, reasons(self.other))
        # A device discovered later with the same pair is matched by the mapping at the next evaluation.
        later = f.DeviceFactory(site=self.site, platform=self.platform, os_version="ap-7 build 4411 ")
        findings_evaluate(device_ids=[later.pk], as_of=AS_OF)
        self.assertIn(R.OS_END_OF_SUPPORT, reasons(later))
        page = self.client.get(reverse("inventory:lifecycle_unmatched"))
        self.assertEqual([r["version"] for r in page.context["rows"] if r["platform_id"] == self.platform.pk],
                         ["AP-8 build 100"])
        refused = self.client.post(reverse("inventory:lifecycle_unmatched"), {"pair": "999999|nope",
                                                                               "cycle": self.cycle.pk})
        self.assertEqual(refused.status_code, 400)

    def test_mapping_service_returns_the_evaluation(self):
        mapping, summary = version_mapping_set(platform=self.platform, version="AP-8 build 100", cycle=self.cycle,
                                               as_of=AS_OF)
        self.assertEqual(summary["devices"], 1)
        self.assertEqual(str(mapping), "Acme Phone Firmware AP-8 build 100")


class PoliciesTest(TestCase):
    def setUp(self):
        LifecyclePolicy.objects.all().delete()
        self.site = f.SiteFactory()

    def policy(self, **fields):
        return LifecyclePolicy.objects.create(name=f"policy {LifecyclePolicy.objects.count()}", **fields)

    def test_default_policies_and_schedule_exist(self):
        # Seeded by the post-migrate hook (see setUp: deleted here, so check the schedule only).
        schedule = Schedule.objects.get(kind="lifecycle")
        self.assertEqual(schedule.cron, DAILY_CRON)

    def test_replacement_cycle_boundary(self):
        self.policy(rule=Rule.REPLACEMENT_CYCLE, device_kind=DeviceKindChoices.DESKTOP, years=5)
        due_today = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.DESKTOP, purchase_date=dt.date(2022, 1, 15))
        due_tomorrow = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.DESKTOP,
                                       purchase_date=dt.date(2022, 1, 16))
        server = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.SERVER, purchase_date=dt.date(2010, 1, 1))
        findings_evaluate(as_of=AS_OF)
        finding = reasons(due_today)[R.PAST_REPLACEMENT_CYCLE]
        self.assertEqual(finding.effective_date, dt.date(2027, 1, 15))
        self.assertEqual(finding.evidence["years"], 5)
        self.assertNotIn(R.PAST_REPLACEMENT_CYCLE, reasons(due_tomorrow))
        self.assertNotIn(R.PAST_REPLACEMENT_CYCLE, reasons(server))  # no policy for servers here

    def test_kind_policy_overrides_the_general_one_and_disabled_policies_do_nothing(self):
        self.policy(rule=Rule.REPLACEMENT_CYCLE, years=10)
        self.policy(rule=Rule.REPLACEMENT_CYCLE, device_kind=DeviceKindChoices.LAPTOP, years=4, severity=S.HIGH)
        laptop = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.LAPTOP, purchase_date=dt.date(2022, 1, 1))
        printer = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.PRINTER, purchase_date=dt.date(2022, 1, 1))
        findings_evaluate(as_of=AS_OF)
        self.assertEqual(reasons(laptop)[R.PAST_REPLACEMENT_CYCLE].severity, S.HIGH)
        self.assertNotIn(R.PAST_REPLACEMENT_CYCLE, reasons(printer))
        LifecyclePolicy.objects.update(enabled=False)
        findings_evaluate(as_of=AS_OF)
        self.assertNotIn(R.PAST_REPLACEMENT_CYCLE, reasons(laptop))

    def test_warranty(self):
        self.policy(rule=Rule.WARRANTY, days=90)
        expired = f.DeviceFactory(site=self.site, warranty_end=dt.date(2027, 1, 14))
        soon = f.DeviceFactory(site=self.site, warranty_end=dt.date(2027, 3, 1))
        later = f.DeviceFactory(site=self.site, warranty_end=dt.date(2027, 6, 1))
        findings_evaluate(as_of=AS_OF)
        self.assertEqual(reasons(expired)[R.WARRANTY_EXPIRED].effective_date, dt.date(2027, 1, 14))
        self.assertEqual(reasons(soon)[R.WARRANTY_EXPIRES_SOON].severity, S.INFO)
        self.assertEqual(reasons(later), {})

    def test_not_seen(self):
        self.policy(rule=Rule.NOT_SEEN, days=30)
        midnight = timezone.make_aware(dt.datetime.combine(AS_OF, dt.time.min))
        gone = f.DeviceFactory(site=self.site, last_seen=midnight - dt.timedelta(days=31))
        recent = f.DeviceFactory(site=self.site, last_seen=midnight - dt.timedelta(days=29))
        never = f.DeviceFactory(site=self.site, last_seen=None)
        findings_evaluate(as_of=AS_OF)
        finding = reasons(gone)[R.NOT_SEEN]
        self.assertEqual(finding.severity, S.MEDIUM)
        self.assertEqual(finding.evidence["days"], 30)
        self.assertEqual(reasons(recent), {})
        self.assertEqual(reasons(never), {})

    def test_minimum_version(self):
        ios = f.PlatformFactory(name="Cisco IOS", slug="cisco-ios")
        self.policy(rule=Rule.MINIMUM_VERSION, platform=ios, minimum_version="15.2(7)E6")
        old = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.SWITCH, platform=ios, os_version="15.2(4)E10")
        new = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.SWITCH, platform=ios, os_version="15.2(7)E8")
        texty = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.SWITCH, platform=ios,
                                os_version="Cisco IOS Software, Version 15.2(7)E4")
        findings_evaluate(as_of=dt.date(2024, 1, 1))
        finding = reasons(old)[R.BELOW_MINIMUM_VERSION]
        self.assertEqual((finding.severity, finding.evidence["version"]), (S.HIGH, "15.2(4)E10"))
        self.assertNotIn(R.BELOW_MINIMUM_VERSION, reasons(new))
        self.assertIn(R.BELOW_MINIMUM_VERSION, reasons(texty))

    def test_policy_rules_are_validated(self):
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            LifecyclePolicy(name="x", rule=Rule.MINIMUM_VERSION).full_clean()
        with self.assertRaises(ValidationError):
            LifecyclePolicy(name="y", rule=Rule.REPLACEMENT_CYCLE, device_kind="desktop").full_clean()


class HardwareAndRecomputationTest(TestCase):
    def setUp(self):
        self.site = f.SiteFactory()
        cisco = f.ManufacturerFactory(name="Cisco", slug="cisco")
        self.shipped_notice_model = f.HardwareModelFactory(manufacturer=cisco, model="WS-C2960X-48FPD-L",
                                                           kind=DeviceKindChoices.SWITCH)
        self.own_dates = f.HardwareModelFactory(end_of_sale=dt.date(2020, 1, 1), end_of_support=dt.date(2025, 1, 1),
                                                unit_cost=Decimal("900"))
        self.switch = f.DeviceFactory(site=self.site, kind=DeviceKindChoices.SWITCH,
                                      hardware_model=self.shipped_notice_model)
        self.server = f.DeviceFactory(site=self.site, hardware_model=self.own_dates)

    def test_hardware_dates_from_the_model_or_a_vendor_notice(self):
        findings_evaluate(as_of=dt.date(2026, 1, 1))
        sale = reasons(self.switch)[R.HARDWARE_END_OF_SALE]
        self.assertEqual(sale.effective_date, dt.date(2022, 10, 30))
        self.assertIn("cisco.com", sale.evidence["source"])
        self.assertEqual(reasons(self.server)[R.HARDWARE_END_OF_SUPPORT].effective_date, dt.date(2025, 1, 1))
        findings_evaluate(as_of=dt.date(2028, 1, 1))
        self.assertIn(R.HARDWARE_END_OF_SUPPORT, reasons(self.switch))
        self.assertNotIn(R.HARDWARE_END_OF_SALE, reasons(self.switch))

    def test_only_changes_are_written(self):
        first = findings_evaluate(as_of=dt.date(2026, 1, 1))
        self.assertEqual(first["created"], first["findings"])
        before = {f.pk: f.created for f in Finding.objects.all()}
        again = findings_evaluate(as_of=dt.date(2026, 1, 1))
        self.assertEqual((again["created"], again["updated"], again["deleted"]), (0, 0, 0))
        self.assertEqual(again["unchanged"], first["findings"])
        self.own_dates.end_of_support = dt.date(2025, 6, 30)
        self.own_dates.save()
        changed = findings_evaluate(as_of=dt.date(2026, 1, 1))
        self.assertEqual(changed["updated"], 1)
        finding = reasons(self.server)[R.HARDWARE_END_OF_SUPPORT]
        self.assertEqual(finding.effective_date, dt.date(2025, 6, 30))
        self.assertEqual(finding.created, before[finding.pk])  # first raised: kept
        self.server.status = DeviceStatusChoices.RETIRED
        self.server.save()
        gone = findings_evaluate(as_of=dt.date(2026, 1, 1))
        self.assertEqual(gone["deleted"], 1)
        self.assertEqual(reasons(self.server), {})

    def test_job_runs_the_evaluation_with_a_log(self):
        job = lifecycle_evaluate_enqueue(user=f.UserFactory())
        self.assertEqual(job.kind, "lifecycle")
        self.assertEqual(job_execute(job.pk), JobStatusChoices.COMPLETED)
        job.refresh_from_db()
        self.assertEqual(job.result["devices"], Device.objects.count())
        self.assertTrue(JobLogEntry.objects.filter(job=job, message__contains="findings").exists())


class FindingPagesTest(TestCase):
    def setUp(self):
        self.town_hall, self.depot = f.SiteFactory(slug="town-hall"), f.SiteFactory(slug="depot")
        LifecyclePolicy.objects.filter(rule=Rule.WARRANTY).update(days=90)
        self.a = f.DeviceFactory(site=self.town_hall, kind=DeviceKindChoices.DESKTOP, name="th-pc-1",
                                 warranty_end=dt.date(2020, 1, 1))
        self.b = f.DeviceFactory(site=self.depot, kind=DeviceKindChoices.SERVER, name="dp-srv-1",
                                 warranty_end=dt.date(2020, 1, 1))
        findings_evaluate(as_of=AS_OF)
        self.client.force_login(f.UserFactory(perms=["inventory.view_finding", "inventory.view_device"]))

    def test_findings_list_filters_and_export(self):
        url = reverse("inventory:finding_list")
        page = self.client.get(url, {"reason": R.WARRANTY_EXPIRED, "site": "depot"})
        self.assertContains(page, "dp-srv-1")
        self.assertNotContains(page, "th-pc-1")
        self.assertNotContains(page, "Add finding")
        page = self.client.get(url, {"kind": DeviceKindChoices.DESKTOP, "severity": S.LOW})
        self.assertContains(page, "th-pc-1")
        self.assertNotContains(page, "dp-srv-1")
        export = self.client.get(url, {"export": "csv"})
        self.assertIn("th-pc-1", export.content.decode("utf-8-sig"))

    def test_device_list_filters(self):
        url = reverse("inventory:device_list")
        self.assertContains(self.client.get(url, {"finding": R.WARRANTY_EXPIRED}), "th-pc-1")
        page = self.client.get(url, {"finding": R.OS_END_OF_SUPPORT})
        self.assertNotContains(page, "th-pc-1")
        f.DeviceFactory(site=self.depot, name="clean-one")
        page = self.client.get(url, {"has_findings": "false"})
        self.assertContains(page, "clean-one")
        self.assertNotContains(page, "th-pc-1")

    def test_dashboard_and_home(self):
        page = self.client.get(reverse("inventory:lifecycle_dashboard"))
        self.assertContains(page, "Findings by reason")
        self.assertContains(page, 'id="chart-data"')
        export = self.client.get(reverse("inventory:lifecycle_dashboard"), {"export": "xlsx"})
        self.assertIn(".xlsx", export["Content-Disposition"])
        home = self.client.get(reverse("home"))
        self.assertContains(home, "Past replacement cycle")

    def test_re_evaluate_needs_permission(self):
        self.assertEqual(self.client.post(reverse("inventory:lifecycle_evaluate")).status_code, 403)
        self.client.force_login(f.UserFactory(perms=["inventory.view_finding", "inventory.change_finding"]))
        self.assertEqual(self.client.get(reverse("inventory:lifecycle_evaluate")).status_code, 200)
        self.assertEqual(self.client.post(reverse("inventory:lifecycle_evaluate")).status_code, 302)


class PipelinedEvaluationTest(TestCase):
    """A large estate is evaluated with the rules in a second thread streaming into the database: same findings as
    the inline path, hostile texts stored exactly, and a failure half-way writes nothing."""

    def setUp(self):
        site = f.SiteFactory()
        windows = f.PlatformFactory(name="Windows Server", slug="windows-server-p")
        odd = f.PlatformFactory(name="Odd\tOS", slug="odd-os")
        old_model = f.HardwareModelFactory(end_of_sale=dt.date(2019, 1, 1), end_of_support=dt.date(2024, 1, 1))
        self.devices = [f.DeviceFactory(site=site, platform=windows, os_version="2012 R2 Standard",
                                        hardware_model=old_model, purchase_date=dt.date(2015 + i % 8, 3, 1),
                                        warranty_end=dt.date(2020 + i % 9, 6, 1)) for i in range(12)]
        self.hostile = "9.9\t<script>alert(1)</script>\\n\nline\r\"quoted\" \\\\ é"
        self.devices.append(f.DeviceFactory(site=site, platform=odd, os_version=self.hostile))

    @staticmethod
    def snapshot() -> dict:
        return {(x.device_id, x.reason): (x.severity, x.effective_date, x.detail, x.evidence)
                for x in Finding.objects.all()}

    def test_same_findings_as_inline_and_hostile_text_kept_exactly(self):
        inline = findings_evaluate(as_of=AS_OF)
        expected = self.snapshot()
        Finding.objects.all().delete()
        with mock.patch.object(services_findings, "PIPELINE_MIN_DEVICES", 1), \
                mock.patch.object(services_findings, "PIPELINE_BATCH", 2):
            piped = findings_evaluate(as_of=AS_OF)
        self.assertEqual(self.snapshot(), expected)
        self.assertEqual((piped["created"], piped["findings"]), (inline["created"], inline["findings"]))
        unknown = reasons(self.devices[-1])[R.UNKNOWN_VERSION]
        self.assertEqual(unknown.evidence["version"], self.hostile)
        self.assertEqual(unknown.evidence["platform"], "Odd\tOS")
        self.assertIn(self.hostile, unknown.detail)

    def test_a_failure_half_way_writes_nothing(self):
        findings_evaluate(as_of=dt.date(2020, 1, 1))
        before = self.snapshot()
        real = LifecycleContext.findings
        calls = []

        def breaks_on_the_seventh(context, row, as_of):
            calls.append(row["id"])
            if len(calls) == 7:
                raise RuntimeError("rule blew up")
            return real(context, row, as_of)

        with mock.patch.object(services_findings, "PIPELINE_MIN_DEVICES", 1), \
                mock.patch.object(services_findings, "PIPELINE_BATCH", 2), \
                mock.patch.object(LifecycleContext, "findings", breaks_on_the_seventh), \
                self.assertRaisesMessage(RuntimeError, "rule blew up"):
            findings_evaluate(as_of=AS_OF)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(len(calls), 7)
