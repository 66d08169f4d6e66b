"""The replacement forecast by UK financial year, against a small estate whose buckets and costs are worked out by
hand below (as of 23 November 2026, so the current financial year is 2026/27; three years shown).

Catalogue: product "Aa Test OS" with cycles whose security support ends
    1: 31/03/2027 (last day of 2026/27)       2: 01/04/2027 (first day of 2027/28)
    3: ended, date unknown (already due)      4: 30/06/2030 (after the horizon)
Policies: desktops replaced after 5 years, servers after 7.
Hardware model HM1: end of support 30/09/2028 (2028/29), unit cost £1,000. HM2: no dates, no unit cost.

device  kind     site  OS  hardware  purchased (cost)           events                                first event
d1      desktop  A     1   —         01/06/2023 (£500)          os 26/27, replacement 01/06/2028 28/29   26/27 £500
d2      desktop  A     2   HM1       — (£700; HM1 wins: £1000)  os 27/28, hardware 28/29                 27/28 £1000
d3      server   B     3   —         31/03/2019 (no cost)       os overdue, replacement 31/03/2026 overdue  overdue
d4      server   B     4   HM2       01/04/2020 (£3000)         os after horizon, repl. 01/04/2027 27/28  27/28 £3000
d5      desktop  B     1   —         (retired: left out)
d6      laptop   A     —   —         (no events)
d7      desktop  A     4   —         01/04/2026 (due 2031: after the horizon; OS after the horizon)

Reason rows: os = overdue d3 (no cost) | 2026/27 d1 £500 | 2027/28 d2 £1000 -> 3 devices, £1500, 1 without cost
             hardware = 2028/29 d2 £1000 -> 1 device, £1000
             replacement = overdue d3 | 2027/28 d4 £3000 | 2028/29 d1 £500 -> 3 devices, £3500, 1 without cost
Devices to replace (each once, first event): overdue d3 | 2026/27 d1 £500 | 2027/28 d2 + d4 £4000 -> 4, £4500.
d2 appears in the os row (2027/28) and the hardware row (2028/29) but once in the total (2027/28).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from estate.services import token_create
from inventory.choices import DeviceKindChoices as K
from inventory.choices import DeviceStatusChoices
from inventory.choices import LifecyclePolicyRuleChoices as Rule
from inventory.models import LifecyclePolicy
from inventory.selectors_lifecycle import forecast_device_ids, lifecycle_forecast
from tests import factories as f
from tests.lifecycle import factories as lf

AS_OF = dt.date(2026, 11, 23)
BUCKETS = ["overdue", "2026/27", "2027/28", "2028/29"]


def cells(row: dict) -> dict[str, tuple[int, Decimal, int]]:
    return {c["bucket"]: (c["devices"], c["cost"], c["no_cost"]) for c in row["cells"]}


def total(row: dict) -> tuple[int, Decimal, int]:
    return row["total"]["devices"], row["total"]["cost"], row["total"]["no_cost"]


ZERO = (0, Decimal("0"), 0)


class ForecastHandCheckedTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        LifecyclePolicy.objects.all().delete()
        LifecyclePolicy.objects.create(name="desktops 5", rule=Rule.REPLACEMENT_CYCLE, device_kind=K.DESKTOP, years=5)
        LifecyclePolicy.objects.create(name="servers 7", rule=Rule.REPLACEMENT_CYCLE, device_kind=K.SERVER, years=7)
        product = lf.LifecycleProductFactory(name="Aa Test OS", slug="aa-test-os")
        for cycle, eos, ended in (("1", dt.date(2027, 3, 31), False), ("2", dt.date(2027, 4, 1), False),
                                  ("3", None, True), ("4", dt.date(2030, 6, 30), False)):
            lf.LifecycleCycleFactory(product=product, cycle=cycle, match=[cycle], release_date=dt.date(2015, 1, 1),
                                     end_of_security_support=eos, security_support_ended=ended)
        os_platform = f.PlatformFactory(name="Aa Test OS", slug="aa-test-os")
        hm1 = f.HardwareModelFactory(end_of_support=dt.date(2028, 9, 30), unit_cost=Decimal("1000.00"))
        hm2 = f.HardwareModelFactory()
        cls.a, cls.b = f.SiteFactory(slug="site-a"), f.SiteFactory(slug="site-b")

        def device(name, kind, site, version=None, **extra):
            return f.DeviceFactory(name=name, kind=kind, site=site, platform=os_platform if version else None,
                                   os_version=f"{version}.0" if version else "", **extra)

        cls.d1 = device("d1", K.DESKTOP, cls.a, "1", purchase_date=dt.date(2023, 6, 1), purchase_cost=Decimal("500"))
        cls.d2 = device("d2", K.DESKTOP, cls.a, "2", hardware_model=hm1, purchase_cost=Decimal("700"))
        cls.d3 = device("d3", K.SERVER, cls.b, "3", purchase_date=dt.date(2019, 3, 31))
        cls.d4 = device("d4", K.SERVER, cls.b, "4", hardware_model=hm2, purchase_date=dt.date(2020, 4, 1),
                        purchase_cost=Decimal("3000"))
        device("d5", K.DESKTOP, cls.b, "1", status=DeviceStatusChoices.RETIRED, purchase_cost=Decimal("999"))
        device("d6", K.LAPTOP, cls.a)
        device("d7", K.DESKTOP, cls.a, "4", purchase_date=dt.date(2026, 4, 1), purchase_cost=Decimal("800"))

    def forecast(self, **kwargs):
        return lifecycle_forecast(years=3, as_of=AS_OF, **kwargs)

    def test_buckets_are_uk_financial_years(self):
        forecast = self.forecast()
        self.assertEqual([b["key"] for b in forecast["buckets"]], BUCKETS)
        self.assertEqual(forecast["buckets"][0]["label"], "Before 2026/27")
        self.assertEqual(forecast["buckets"][0]["end"], dt.date(2026, 3, 31))
        self.assertEqual((forecast["buckets"][1]["start"], forecast["buckets"][1]["end"]),
                         (dt.date(2026, 4, 1), dt.date(2027, 3, 31)))

    def test_rows_by_reason(self):
        rows = {row["key"]: row for row in self.forecast()["rows"]}
        self.assertEqual(cells(rows["os"]), {"overdue": (1, Decimal("0"), 1), "2026/27": (1, Decimal("500"), 0),
                                             "2027/28": (1, Decimal("1000"), 0), "2028/29": ZERO})
        self.assertEqual(total(rows["os"]), (3, Decimal("1500"), 1))
        self.assertEqual(cells(rows["hardware"]), {"overdue": ZERO, "2026/27": ZERO, "2027/28": ZERO,
                                                   "2028/29": (1, Decimal("1000"), 0)})
        self.assertEqual(cells(rows["replacement"]), {
            "overdue": (1, Decimal("0"), 1), "2026/27": ZERO, "2027/28": (1, Decimal("3000"), 0),
            "2028/29": (1, Decimal("500"), 0)})
        self.assertEqual(total(rows["replacement"]), (3, Decimal("3500"), 1))

    def test_each_device_once_in_the_total(self):
        any_row = self.forecast()["rows"][-1]
        self.assertEqual(any_row["key"], "any")
        self.assertEqual(cells(any_row), {"overdue": (1, Decimal("0"), 1), "2026/27": (1, Decimal("500"), 0),
                                          "2027/28": (2, Decimal("4000"), 0), "2028/29": ZERO})
        self.assertEqual(total(any_row), (4, Decimal("4500"), 1))

    def test_by_kind_and_site(self):
        forecast = self.forecast()
        by_kind = {row["key"]: row for row in forecast["by_kind"]}
        self.assertEqual(set(by_kind), {K.DESKTOP, K.SERVER})
        self.assertEqual(total(by_kind[K.DESKTOP]), (2, Decimal("1500"), 0))
        self.assertEqual(cells(by_kind[K.SERVER])["overdue"], (1, Decimal("0"), 1))
        self.assertEqual(total(by_kind[K.SERVER]), (2, Decimal("3000"), 1))
        by_site = {row["key"]: row for row in forecast["by_site"]}
        self.assertEqual(total(by_site["site-a"]), (2, Decimal("1500"), 0))
        self.assertEqual(total(by_site["site-b"]), (2, Decimal("3000"), 1))

    def test_filters(self):
        only_b = self.forecast(site_ids=[self.b.pk])["rows"][-1]
        self.assertEqual(cells(only_b), {"overdue": (1, Decimal("0"), 1), "2026/27": ZERO,
                                         "2027/28": (1, Decimal("3000"), 0), "2028/29": ZERO})
        desktops = self.forecast(kinds=[K.DESKTOP])["rows"][-1]
        self.assertEqual(total(desktops), (2, Decimal("1500"), 0))

    def test_boundary_days_move_with_the_years(self):
        # One year on, 2027/28 is the current year: d1's OS (31/03/2027) and d3 are overdue.
        forecast = lifecycle_forecast(years=1, as_of=dt.date(2027, 4, 1))
        os_row = cells(forecast["rows"][0])
        self.assertEqual(os_row["overdue"], (2, Decimal("500"), 1))
        self.assertEqual(os_row["2027/28"], (1, Decimal("1000"), 0))

    def test_drill_down(self):
        self.assertEqual(set(forecast_device_ids(reason="any", bucket="2027/28", years=3, as_of=AS_OF)),
                         {self.d2.pk, self.d4.pk})
        self.assertEqual(forecast_device_ids(reason="hardware", bucket="2028/29", years=3, as_of=AS_OF), [self.d2.pk])
        self.assertEqual(set(forecast_device_ids(reason="os", bucket="total", years=3, as_of=AS_OF)),
                         {self.d1.pk, self.d2.pk, self.d3.pk})


class ForecastPagesTest(TestCase):
    def setUp(self):
        LifecyclePolicy.objects.filter(rule=Rule.REPLACEMENT_CYCLE, device_kind=K.DESKTOP).update(years=5)
        site = f.SiteFactory(slug="town-hall")
        self.old = f.DeviceFactory(name="th-pc-old", kind=K.DESKTOP, site=site, purchase_date=dt.date(2015, 5, 1),
                                   purchase_cost=Decimal("450"))
        self.new = f.DeviceFactory(name="th-pc-new", kind=K.DESKTOP, site=site, purchase_date=dt.date(2030, 5, 1))
        self.user = f.UserFactory(perms=["inventory.view_finding", "inventory.view_device"])
        self.client.force_login(self.user)

    def test_page_charts_drill_down_and_exports(self):
        page = self.client.get(reverse("inventory:lifecycle_forecast"), {"years": 3, "site": "town-hall"})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'id="chart-data"')
        self.assertContains(page, "£450")
        any_overdue = [c for c in page.context["forecast"]["rows"][-1]["cells"] if c["bucket"] == "overdue"][0]
        drill = self.client.get(any_overdue["url"])
        self.assertContains(drill, "th-pc-old")
        self.assertNotContains(drill, "th-pc-new")
        for fmt in ("csv", "xlsx"):
            export = self.client.get(reverse("inventory:lifecycle_forecast"), {"years": 3, "export": fmt})
            self.assertIn(f".{fmt}", export["Content-Disposition"])
        csv_text = self.client.get(reverse("inventory:lifecycle_forecast"), {"export": "csv"}).content.decode(
            "utf-8-sig")
        self.assertIn("Devices to replace", csv_text)
        drill_export = self.client.get(any_overdue["url"] + "&export=csv")
        self.assertIn("th-pc-old", drill_export.content.decode("utf-8-sig"))

    def test_api(self):
        _, key = token_create(user=self.user)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        body = api.get("/api/lifecycle/forecast/", {"years": 2, "site": "town-hall", "kind": "desktop"}).json()
        self.assertEqual(len(body["buckets"]), 3)
        overdue = body["rows"][-1]["cells"][0]
        self.assertEqual((overdue["bucket"], overdue["devices"], overdue["cost"]), ("overdue", 1, "450.00"))
        self.assertEqual(api.get("/api/lifecycle/forecast/", {"years": 99}).status_code, 400)
        self.assertEqual(api.get("/api/lifecycle/forecast/", {"site": "nowhere"}).status_code, 400)
        self.assertEqual(api.get("/api/lifecycle/forecast/", {"kind": "spaceship"}).status_code, 400)
        nobody = APIClient()
        _, other = token_create(user=f.UserFactory())
        nobody.credentials(HTTP_AUTHORIZATION=f"Token {other}")
        self.assertEqual(nobody.get("/api/lifecycle/forecast/").status_code, 403)
