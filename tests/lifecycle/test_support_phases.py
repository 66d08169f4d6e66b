"""Support phases: a register CSV and software added through the API get the exact phase for any --as-of day,
checked against endoflife.date's published dates; software findings, the software pages and the mapping."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from inventory.choices import FindingReasonChoices as R  # noqa: N817
from inventory.choices import SupportStatusChoices as St  # noqa: N817
from inventory.lifecycle import load_catalogue
from inventory.lifecycle.catalogue import CatalogueCycle
from inventory.lifecycle.phases import software_text, support_phase
from inventory.models import Application, Device, Finding, InstalledSoftware, LifecycleCycle, VersionMapping
from inventory.services_findings import findings_evaluate
from inventory.services_import import import_apply
from tests import factories as f

# endoflife.date's published dates (snapshot 2026-08-22): (end of active support, end of security support,
# end of extended support). None: no such phase; False: no end date published.
EOL_DATES = {
    "Windows Server 2012 R2": ("2018-10-09", "2023-10-10", "2026-10-13"),
    "Windows 10 22H2": ("2025-10-14", "2025-10-14", "2028-10-10"),
    "macOS 14 Sonoma": (None, False, None),
    "macOS 13 Ventura": (None, "2025-09-15", None),
    "RHEL 8": ("2024-05-31", "2029-05-31", "2033-05-31"),
    "SLES 15 SP4": (None, "2023-12-31", "2026-12-31"),
    "Cisco IOS XE 17.12": ("2026-01-28", "2027-07-28", None),
    "FortiOS 7.2": ("2025-03-31", "2026-09-30", None),
    # installed software (product, version as Windows and dpkg record them)
    "Microsoft SQL Server 2014 (64-bit)|12.0.6024.0": ("2019-07-09", "2024-07-09", "2027-07-12"),
    "Microsoft SQL Server 2014 (64-bit)|12.0.5000.0": ("2020-01-14", "2020-01-14", None),  # SP2
    "Microsoft Exchange Server 2019 Cumulative Update 14|15.2.1544.4": ("2024-01-09", "2025-10-14", "2026-11-01"),
    "Microsoft Office Professional Plus 2016|16.0.4266.1001": ("2020-10-13", "2025-10-14", None),
    "postgresql-14|14.10-0ubuntu0.22.04.1": (None, "2026-11-12", None),
    "php8.1-fpm|8.1.2-1ubuntu2.14": ("2023-11-25", "2025-12-31", None),
}
OS_NAMES = [name for name in EOL_DATES if "|" not in name]
SOFTWARE = [name for name in EOL_DATES if "|" in name]
AS_OF_DAYS = ["2019-07-09", "2019-07-10", "2023-10-10", "2023-10-11", "2024-06-01", "2025-09-15", "2025-09-16",
              "2025-10-15", "2026-06-01", "2026-10-13", "2026-10-14", "2026-11-13", "2027-01-01", "2027-07-29",
              "2030-01-01", "2034-01-01"]


def _day(text):
    return text if text in (None, False) else dt.date.fromisoformat(text)


def expected(name: str, as_of: dt.date) -> str:
    """The phase as endoflife.date defines it: inclusive end dates; a missing active phase means supported
    until security support ends; extended support only when published."""
    active, security, extended = (_day(v) for v in EOL_DATES[name])
    if security is False or as_of <= security:
        if active is not None and active is not False and active < (security or dt.date.max) and as_of > active:
            return St.SECURITY_ONLY
        return St.SUPPORTED
    if extended is not None and (extended is False or as_of <= extended):
        return St.EXTENDED_ONLY
    return St.UNSUPPORTED


class RegisterAndApiPhasesTests(TestCase):
    """The issue's "done when": a register CSV plus software through the API, evaluated by the command."""

    @classmethod
    def setUpTestData(cls):
        cls.site = f.SiteFactory(slug="civic-centre", name="Civic Centre")
        lines = ["Asset name,Site,Type,Operating System"]
        lines += [f"host-{i},civic-centre,server,{name}" for i, name in enumerate(OS_NAMES)]
        result = import_apply(data="\n".join(lines).encode(), filename="register.csv")
        assert result.applied, result.as_dict()
        cls.devices = {name: Device.objects.get(name=f"host-{i}") for i, name in enumerate(OS_NAMES)}
        cls.user = f.UserFactory(is_superuser=True)

    def setUp(self):
        self.api = APIClient()
        self.api.force_authenticate(self.user)
        server = self.devices["RHEL 8"]
        self.software = {}
        for name in SOFTWARE:
            product, version = name.split("|")
            response = self.api.post("/api/inventory/software/", {"device": server.pk, "product": product,
                                                                  "version": version}, format="json")
            assert response.status_code == 201, response.content
            self.software[name] = response.json()["id"]

    def evaluate(self, day: str) -> dict:
        out = io.StringIO()
        call_command("lifecycle_evaluate", "--as-of", day, stdout=out)
        return json.loads(out.getvalue().strip().splitlines()[-1])

    def test_exact_phase_for_any_day(self):
        for day in AS_OF_DAYS:
            as_of = dt.date.fromisoformat(day)
            self.evaluate(day)
            for name, device in self.devices.items():
                device.refresh_from_db()
                assert device.support_status == expected(name, as_of), (name, day, device.os_version)
            for name, pk in self.software.items():
                status = InstalledSoftware.objects.get(pk=pk).support_status
                assert status == expected(name, as_of), (name, day)

    def test_phase_end_next_phase_api_fields_and_filters(self):
        self.evaluate("2026-12-08")
        body = self.api.get(f"/api/inventory/devices/{self.devices['RHEL 8'].pk}/").json()
        assert (body["support_status"], body["support_phase_ends"], body["support_next_phase"]) == (
            St.SECURITY_ONLY, "2029-05-31", St.EXTENDED_ONLY)
        body = self.api.get(f"/api/inventory/software/{self.software[SOFTWARE[0]]}/").json()
        assert (body["support_status"], body["support_phase_ends"]) == (St.EXTENDED_ONLY, "2027-07-12")
        unsupported = self.api.get("/api/inventory/devices/?support_status=unsupported").json()["results"]
        names = {d["name"] for d in unsupported}
        assert names == {self.devices[n].name for n in ("Windows Server 2012 R2", "macOS 13 Ventura", "FortiOS 7.2")}
        # read-only: a PATCH cannot set it
        device = self.devices["macOS 14 Sonoma"]
        self.api.patch(f"/api/inventory/devices/{device.pk}/", {"support_status": "unsupported"}, format="json")
        device.refresh_from_db()
        assert device.support_status == St.SUPPORTED
        software = self.api.get("/api/inventory/software/?support_status=extended_only").json()["results"]
        assert {s["product"] for s in software} == {"Microsoft SQL Server 2014 (64-bit)"}

    def test_software_findings_agree_with_the_status_and_unchanged_rerun_writes_nothing(self):
        first = self.evaluate("2026-12-08")
        server = self.devices["RHEL 8"]
        found = {x.reason: x for x in Finding.objects.filter(device=server)}
        eos = found[R.SOFTWARE_END_OF_SUPPORT]
        ended = {(i["software"], i["version"]) for i in eos.evidence["items"]}
        assert ended == {tuple(name.split("|")) for name in SOFTWARE} - {
            ("Microsoft SQL Server 2014 (64-bit)", "12.0.6024.0")}  # SP3: on paid ESU until 2027
        assert eos.evidence["count"] == 5 and all(i["source"].startswith("https://") for i in eos.evidence["items"])
        extended = found[R.SOFTWARE_EXTENDED_SUPPORT_ONLY]
        assert [i["cycle_label"] for i in extended.evidence["items"]] == ["SQL Server 2014 SP3"]
        statuses = {(s.product, s.version): s.support_status for s in InstalledSoftware.objects.filter(device=server)}
        assert {pair for pair, status in statuses.items() if status == St.UNSUPPORTED} == ended
        assert first["software_status_changed"] == len(SOFTWARE)  # devices were evaluated as they were imported
        again = self.evaluate("2026-12-08")
        assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)
        assert (again["devices_status_changed"], again["software_status_changed"]) == (0, 0)
        # shown on the device page, with the support badge
        client = self.client
        client.force_login(self.user)
        page = client.get(server.get_absolute_url()).content.decode()
        assert 'id="support-status"' in page and "Security fixes only" in page
        assert "SQL Server 2014 SP3" in page

    def test_software_view_export_and_dashboard_counts(self):
        self.evaluate("2026-12-08")
        self.client.force_login(self.user)
        page = self.client.get(reverse("inventory:lifecycle_software") + "?support_status=extended_only")
        assert page.status_code == 200
        assert "12.0.6024.0" in page.content.decode() and "postgresql-14" not in page.content.decode()
        export = self.client.get(reverse("inventory:lifecycle_software") + "?export=csv")
        text = export.content.decode()
        assert "Microsoft SQL Server 2014 (64-bit),12.0.6024.0,1,1,Paid extended support only,2027-07-12" in text
        dashboard = self.client.get(reverse("inventory:lifecycle_dashboard")).content.decode()
        assert 'id="support-counts"' in dashboard
        api = self.api.get("/api/lifecycle/software/?support_status=bogus")
        assert api.status_code == 400


class UnmatchedSoftwareTests(TestCase):
    def setUp(self):
        self.user = f.UserFactory(is_superuser=True)
        self.device = f.DeviceFactory()
        InstalledSoftware.objects.create(device=self.device, product="Microsoft SQL Server", version="Developer build")
        InstalledSoftware.objects.create(device=self.device, product="7-Zip 23.01", version="23.01")

    def test_listed_then_mapped_with_one_click(self):
        self.client.force_login(self.user)
        url = reverse("inventory:lifecycle_unmatched_software")
        page = self.client.get(url).content.decode()
        assert "Developer build" in page and "7-Zip" not in page  # only releases of catalogue products
        assert "7-Zip" in self.client.get(url + "?all=1").content.decode()
        cycle = LifecycleCycle.objects.get(product__slug="sql-server", cycle="2014-sp2")
        pair = json.dumps(["Microsoft SQL Server", "Developer build"])
        response = self.client.post(url, {"pair": [pair], "cycle": cycle.pk})
        assert response.status_code == 302
        assert VersionMapping.objects.get(software="Microsoft SQL Server").cycle == cycle
        assert "Developer build" not in self.client.get(url).content.decode()
        software = InstalledSoftware.objects.get(product="Microsoft SQL Server")
        assert software.support_status == St.UNSUPPORTED
        assert Finding.objects.get(device=self.device, reason=R.SOFTWARE_END_OF_SUPPORT).evidence["items"][0][
            "matched_by"] == "mapping"
        # a tampered pair is a form error, not a 500, and changes nothing
        bad = self.client.post(url, {"pair": ['["nope", "x"]'], "cycle": cycle.pk})
        assert bad.status_code == 400 and VersionMapping.objects.count() == 1

    def test_api_lists_and_maps(self):
        api = APIClient()
        api.force_authenticate(self.user)
        body = api.get("/api/lifecycle/unmatched-software/").json()
        assert [r["product"] for r in body["results"]] == ["Microsoft SQL Server"]
        cycle = LifecycleCycle.objects.get(product__slug="sql-server", cycle="2022")
        response = api.post("/api/lifecycle/unmatched-software/", {"software": "Microsoft SQL Server", "version": "",
                                                                   "cycle": cycle.pk}, format="json")
        assert response.status_code == 201, response.content
        assert api.get("/api/lifecycle/unmatched-software/").json()["count"] == 0
        assert api.post("/api/lifecycle/unmatched-software/", {"software": "", "cycle": cycle.pk},
                        format="json").status_code == 400


class ApplicationPhaseTests(TestCase):
    def test_status_from_support_end_or_catalogue_and_forecast(self):
        known = Application.objects.create(name="Revenues", slug="revenues", vendor="Civica", product="OpenRevenues",
                                           support_end=dt.date(2027, 3, 31), contract_end=dt.date(2027, 3, 31),
                                           renewal_cost="120000.00")
        catalogued = Application.objects.create(name="Intranet", slug="intranet", vendor="Microsoft",
                                                product="Microsoft SQL Server", version="2014 SP3")
        unknown = Application.objects.create(name="Housing", slug="housing", product="Housing Suite")
        findings_evaluate(as_of=dt.date(2026, 12, 8))
        for app in (known, catalogued, unknown):
            app.refresh_from_db()
        assert (known.support_status, known.support_phase_ends) == (St.SUPPORTED, dt.date(2027, 3, 31))
        assert (catalogued.support_status, catalogued.support_phase_ends) == (St.EXTENDED_ONLY, dt.date(2027, 7, 12))
        assert unknown.support_status == St.UNKNOWN
        from inventory.selectors_lifecycle import lifecycle_forecast

        forecast = lifecycle_forecast(years=3, as_of=dt.date(2026, 12, 8))
        rows = {row["key"]: row for row in forecast["other"]}
        contract = [c for c in rows["application_contract"]["cells"] if c["devices"]]
        assert [(c["bucket"], c["cost"]) for c in contract] == [("2026/27", 120000)]
        support = {c["bucket"]: c["devices"] for c in rows["application_support"]["cells"] if c["devices"]}
        assert support == {"overdue": 1, "2026/27": 1}  # SQL 2014's security support ended 2024; Revenues 03/2027


def test_phase_rules_are_inclusive_and_follow_the_published_phases():
    cycle = CatalogueCycle(cycle="x", label="X", eos=dt.date(2025, 6, 30), source="https://example.test",
                           eoas=dt.date(2024, 6, 30), eoes=dt.date(2027, 6, 30))
    assert support_phase(cycle, dt.date(2024, 6, 30)).status == St.SUPPORTED
    assert support_phase(cycle, dt.date(2024, 7, 1)) == support_phase(cycle, dt.date(2025, 6, 30))
    assert support_phase(cycle, dt.date(2025, 6, 30)).next == St.EXTENDED_ONLY
    assert support_phase(cycle, dt.date(2025, 7, 1)).status == St.EXTENDED_ONLY
    assert support_phase(cycle, dt.date(2027, 7, 1)).status == St.UNSUPPORTED
    assert support_phase(None, dt.date(2025, 1, 1)).status == St.UNKNOWN


@pytest.mark.parametrize(("product", "version", "slug", "cycle"), [
    ("Microsoft SQL Server 2014 (64-bit)", "12.0.6024.0", "sql-server", "2014"),
    ("Microsoft SQL Server 2016 (64-bit)", "13.0.5026.0", "sql-server", "2016-sp2"),
    ("Microsoft SQL Server 2019 (64-bit)", "15.0.2000.5", "sql-server", "2019"),
    ("Microsoft Exchange Server 2016 Cumulative Update 23", "15.1.2507.6", "exchange-server", "2016"),
    ("Microsoft Office Professional Plus 2019", "16.0.10417.20012", "office", "2019"),
    ("Microsoft 365 Apps for enterprise - en-gb", "16.0.17928.20156", "office", "365"),
    ("Microsoft .NET Runtime - 6.0.36 (x64)", "6.0.36", "dotnet", "6"),
    ("Microsoft .NET Framework 4.8", "4.8.09037", "dotnetfx", "4.8"),
    ("IIS", "10.0", "iis", "10.0"),
    ("Java 8 Update 401 (64-bit)", "8.0.4010.10", "oracle-jdk", "8"),
    ("Java(TM) SE Development Kit 17.0.9 (64-bit)", "17.0.9.0", "oracle-jdk", "17"),
    ("openjdk-11-jre-headless", "11.0.21+9-1", "eclipse-temurin", "11"),
    ("Eclipse Temurin JDK with Hotspot 21.0.2+13 (x64)", "21.0.2.13", "eclipse-temurin", "21"),
    ("PostgreSQL 14", "14.9", "postgresql", "14"),
    ("mysql-server", "8.0.36-0ubuntu0.22.04.1", "mysql", "8.0"),
    ("mariadb-server", "1:10.11.6-0+deb12u1", "mariadb", "10.11"),
    ("php8.1-fpm", "8.1.2-1ubuntu2.14", "php", "8.1"),
    ("Python 3.11.4 (64-bit)", "3.11.4150.0", "python", "3.11"),
    ("python3.10", "3.10.12-1~22.04.3", "python", "3.10"),
    ("Node.js", "20.11.1", "nodejs", "20"),
    ("apache2", "2.4.57-2", "apache-http-server", "2.4"),
    ("httpd", "2.4.37-62.module+el8.9.0", "apache-http-server", "2.4"),
    ("tomcat9", "9.0.70-2", "tomcat", "9.0"),
    ("Apache Tomcat 8.5 Tomcat8", "8.5.93", "tomcat", "8.5"),
    ("nginx", "1.18.0-6ubuntu14.4", "nginx", "1.18"),
    ("libssl1.1", "1.1.1n-0+deb11u5", "openssl", "1.1.1"),
    ("OpenSSL 3.0.13 Light (64-bit)", "3.0.13", "openssl", "3.0"),
    ("Citrix Virtual Apps and Desktops 7 2402 LTSR", "2402", "citrix-vad", "2402"),
    ("VMware Tools", "12.3.5.22544099", "vmware-tools", "12"),
    ("Google Chrome", "120.0.6099.130", None, None),
])
def test_installed_software_matches_the_catalogue(product, version, slug, cycle):
    from inventory.lifecycle.versions import resolve

    catalogue = [p for p in load_catalogue() if p.kind == "application"]
    name, text = software_text(product, version)
    match = resolve(name, text, catalogue)
    got = (match.product, match.cycle) if match else (None, None)
    assert got == (slug, cycle), match


def test_software_evidence_json_is_what_json_dumps_gives():
    from inventory.lifecycle_engine import CycleFacts
    from inventory.lifecycle_software import SoftwareItem, software_finding

    cycle = load_catalogue().cycle("sql-server", "2014")
    facts = CycleFacts(pk=7, product="sql-server", product_name="SQL Server", cycle=cycle, source=cycle.source,
                       matched_by="rule", rule="x")
    items = [SoftwareItem("Microsoft SQL Server 2014 \"Express\"\t", f"12.0.6{n:03d}.0", facts) for n in range(12)]
    found = software_finding(R.SOFTWARE_EXTENDED_SUPPORT_ONLY, items)
    assert found.evidence_json == json.dumps(found.evidence, sort_keys=True, default=str)
    assert found.evidence["count"] == 12 and len(found.evidence["items"]) == 10
    assert "(and 11 more)" in found.detail
