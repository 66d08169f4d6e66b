"""CRUD × permission tests (API and pages) for programmes, budget lines, savings, waves, windows and wave items.

Playbook runs and their events are not CRUD by hand (a run is started on a wave): their pages and API are tested in
test_waves_e2e.py.
"""

from __future__ import annotations

from migration_plans.models import BudgetLine, Programme, SavingsForecast, Wave, WaveItem, WaveWindow
from tests.factories import (
    BudgetLineFactory,
    DeviceFactory,
    ProgrammeFactory,
    SavingsForecastFactory,
    WaveFactory,
    WaveItemFactory,
    WaveWindowFactory,
)
from tests.utils.cases import APITestCases, ViewTestCases

# --- programmes ------------------------------------------------------------------------------------------------------


class ProgrammeAPITest(APITestCases.CRUD):
    model = Programme
    url = "/api/migration-plans/programmes/"
    update_payload = {"owner": "Director of Resources"}
    invalid_payload = {"start_date": "2027-04-01", "end_date": "2026-04-01"}  # ends before it starts

    def make(self):
        return ProgrammeFactory()

    def create_payloads(self):
        return [{"name": "Cloud first", "slug": "cloud-first", "start_date": "2026-04-01", "end_date": "2028-03-31"},
                {"name": "Digital desk", "slug": "digital-desk"}]


class ProgrammeViewTest(ViewTestCases.CRUD):
    model = Programme
    bulk_edit_data = {"description": "Reported to Cabinet quarterly"}

    def make(self):
        return ProgrammeFactory()

    def form_data(self):
        return {"name": "Cloud first", "slug": "cloud-first", "owner": "Head of ICT", "start_date": "2026-04-01",
                "end_date": "2028-03-31"}

    def test_end_before_start_is_refused(self):
        self.login("add", "view")
        response = self.client.post(self.url("add"), {**self.form_data(), "end_date": "2025-01-01"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Programme.objects.exists())


# --- budget lines and savings ----------------------------------------------------------------------------------------


class BudgetLineAPITest(APITestCases.CRUD):
    model = BudgetLine
    url = "/api/migration-plans/budget-lines/"
    update_payload = {"actual": "4200.00"}
    invalid_payload = {"financial_year": "2026/28"}  # not one financial year

    def make(self):
        return BudgetLineFactory()

    def create_payloads(self):
        programme = ProgrammeFactory()
        return [{"programme": programme.pk, "financial_year": "2026/27", "category": "capital",
                 "description": "Azure landing zone", "planned": "120000.00", "actual": "0.00"},
                {"programme": programme.pk, "financial_year": "2026/27", "category": "revenue",
                 "description": "Azure consumption", "planned": "48000.00"}]


class BudgetLineViewTest(ViewTestCases.CRUD):
    model = BudgetLine
    bulk_edit_data = {"description": "Re-profiled"}

    def make(self):
        return BudgetLineFactory()

    def form_data(self):
        return {"programme": ProgrammeFactory().pk, "financial_year": "2026/27", "category": "capital",
                "description": "Laptops", "planned": "90000", "actual": "0"}

    def test_negative_budget_and_bad_year_are_refused(self):
        self.login("add", "view")
        for change in ({"planned": "-1"}, {"financial_year": "2026-27"}):
            response = self.client.post(self.url("add"), {**self.form_data(), **change})
            self.assertEqual(response.status_code, 400, change)
        self.assertFalse(BudgetLine.objects.exists())


class SavingsForecastAPITest(APITestCases.CRUD):
    model = SavingsForecast
    url = "/api/migration-plans/savings/"
    update_payload = {"realised": "3100.00"}
    invalid_payload = {"financial_year": "26/27"}

    def make(self):
        return SavingsForecastFactory()

    def create_payloads(self):
        programme = ProgrammeFactory()
        return [{"programme": programme.pk, "financial_year": "2027/28", "description": "Data centre power",
                 "forecast": "30000.00"},
                {"programme": programme.pk, "financial_year": "2027/28", "description": "Support contracts",
                 "forecast": "12000.00", "realised": "0.00"}]


class SavingsForecastViewTest(ViewTestCases.CRUD):
    model = SavingsForecast
    bulk_edit_data = {"description": "Re-forecast"}

    def make(self):
        return SavingsForecastFactory()

    def form_data(self):
        return {"programme": ProgrammeFactory().pk, "financial_year": "2027/28", "description": "Licences",
                "forecast": "8000"}


# --- waves and windows -----------------------------------------------------------------------------------------------


class WaveAPITest(APITestCases.CRUD):
    model = Wave
    url = "/api/migration-plans/waves/"
    update_payload = {"owner": "Cloud team"}
    invalid_payload = {"rag_override": "red"}  # an override needs its reason

    def make(self):
        return WaveFactory()

    def create_payloads(self):
        programme = ProgrammeFactory()
        return [{"programme": programme.pk, "name": "Wave 1", "kind": "cloud_migration",
                 "planned_start": "2026-05-01", "planned_end": "2026-06-30"},
                {"programme": programme.pk, "name": "Wave 2", "kind": "decommission"}]

    def test_approval_fields_are_read_only_and_rag_is_derived(self):
        from tests.utils.cases import perm

        client = self.client_for(perm(Wave, "add"), perm(Wave, "view"))
        response = client.post(self.url, {**self.create_payloads()[0], "approved_at": "2026-01-01T00:00:00Z"},
                               format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertIsNone(body["approved_at"])
        self.assertEqual(body["rag"]["value"], "red")  # no items yet: not scheduled
        self.assertEqual(body["progress"], {"total": 0, "done": 0, "in_flight": 0, "trouble": 0, "percent": 0})


class WaveViewTest(ViewTestCases.CRUD):
    model = Wave
    bulk_edit_data = {"owner": "Cloud team"}

    def make(self):
        return WaveFactory()

    def form_data(self):
        return {"programme": ProgrammeFactory().pk, "name": "Wave 1", "kind": "cloud_migration",
                "status": "planned", "planned_start": "2026-05-01", "planned_end": "2026-06-30"}

    def test_scheduled_wave_needs_dates(self):
        self.login("add", "view")
        response = self.client.post(self.url("add"), {**self.form_data(), "status": "scheduled",
                                                      "planned_start": "", "planned_end": ""})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Wave.objects.exists())


class WaveWindowAPITest(APITestCases.CRUD):
    model = WaveWindow
    url = "/api/migration-plans/windows/"
    update_payload = {"reason": "Moved for the election count"}
    invalid_payload = {"end": "2026-05-01T00:00:00Z"}  # before it starts

    def make(self):
        return WaveWindowFactory()

    def create_payloads(self):
        wave = WaveFactory()
        return [{"wave": wave.pk, "kind": "cutover", "start": "2026-05-02T18:00:00Z", "end": "2026-05-02T23:00:00Z"},
                {"wave": wave.pk, "kind": "blackout", "start": "2026-05-28T00:00:00Z",
                 "end": "2026-06-01T00:00:00Z", "reason": "Finance month-end close"}]


class WaveWindowViewTest(ViewTestCases.CRUD):
    model = WaveWindow
    bulk_edit_data = {"reason": "Agreed with the service desk"}

    def make(self):
        return WaveWindowFactory()

    def form_data(self):
        return {"wave": WaveFactory().pk, "kind": "cutover", "start": "2026-05-02T18:00", "end": "2026-05-02T23:00"}

    def test_blackout_needs_a_reason(self):
        self.login("add", "view")
        response = self.client.post(self.url("add"), {**self.form_data(), "kind": "blackout"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(WaveWindow.objects.exists())


# --- wave items ------------------------------------------------------------------------------------------------------


class WaveItemAPITest(APITestCases.CRUD):
    model = WaveItem
    url = "/api/migration-plans/items/"
    update_payload = {"target_region": "UK West"}
    invalid_payload = {"target_provider": ""}  # rehost needs the cloud it moves to

    def make(self):
        return WaveItemFactory()

    def create_payloads(self):
        wave = WaveFactory()
        return [{"wave": wave.pk, "device": DeviceFactory().pk, "strategy": "rehost",
                 "target_provider": "Microsoft Azure", "target_region": "UK South"},
                {"wave": wave.pk, "device": DeviceFactory().pk, "strategy": "retire"}]

    def test_state_is_read_only_and_moves_only_by_transition(self):
        from tests.utils.cases import perm

        item = self.make()
        client = self.client_for(perm(WaveItem, "change"), perm(WaveItem, "view"))
        response = client.patch(self.detail_url(item), {"state": "done"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        item.refresh_from_db()
        self.assertEqual(item.state, "planned")
        response = client.post(f"{self.detail_url(item)}transition/", {"state": "done"}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        response = client.post(f"{self.detail_url(item)}transition/", {"state": "ready"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["state"], "ready")


class WaveItemViewTest(ViewTestCases.CRUD):
    model = WaveItem
    bulk_edit_data = {"target_region": "UK South"}

    def make(self):
        return WaveItemFactory()

    def form_data(self):
        return {"wave": WaveFactory().pk, "device": DeviceFactory().name, "strategy": "rehost",
                "target_provider": "Microsoft Azure"}

    def test_item_needs_exactly_one_subject(self):
        self.login("add", "view")
        response = self.client.post(self.url("add"), {**self.form_data(), "device": ""})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(WaveItem.objects.exists())
