"""Programme reporting: the RAG with the councils' meaning and its exceptions, money to date and for the year, the
burndown of the programme's own scope, and the committee report as a page, a PDF and an XLSX."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from estate.services import token_create
from migration_plans import selectors, services
from migration_plans.charts import burndown_svg
from migration_plans.choices import RagChoices, WaveStatusChoices
from migration_plans.models import WaveItem
from migration_plans.rag import Progress, RunProblem, WaveFacts, rag_compute
from migration_plans.selectors_reporting import (
    budget_summary,
    burndown,
    financial_year,
    money,
    savings_summary,
    variance_text,
)
from tests.factories import (
    BudgetLineFactory,
    DeviceFactory,
    FindingFactory,
    PlaybookRunFactory,
    ProgrammeFactory,
    SavingsForecastFactory,
    UserFactory,
    WaveFactory,
    WaveItemFactory,
)

TODAY = date(2026, 11, 23)
START, END = TODAY - timedelta(days=10), TODAY + timedelta(days=10)


def facts(**kw) -> WaveFacts:
    values = {"status": WaveStatusChoices.SCHEDULED, "planned_start": START, "planned_end": END, "approved": True,
              "progress": Progress(total=4, done=2, in_flight=1, trouble=0)} | kw
    return WaveFacts(**values)


# --- the colour: blue completed, green in delivery, amber planned for later, red to be scheduled ---------------------


def test_blue_when_completed():
    rag = rag_compute(facts(progress=Progress(4, 4, 0, 0)), today=TODAY)
    assert (rag.value, rag.exceptions) == (RagChoices.BLUE, ())
    assert rag_compute(facts(status=WaveStatusChoices.COMPLETED), today=TODAY).value == RagChoices.BLUE


def test_green_when_in_delivery():
    rag = rag_compute(facts(), today=TODAY)
    assert (rag.value, rag.exceptions) == (RagChoices.GREEN, ())
    assert rag.reason.startswith("In delivery: 2 of 4 done")
    # in progress by status even before its planned start
    later = facts(status=WaveStatusChoices.IN_PROGRESS, planned_start=TODAY + timedelta(days=3),
                  planned_end=TODAY + timedelta(days=30))
    assert rag_compute(later, today=TODAY).value == RagChoices.GREEN


def test_amber_when_planned_and_resourced_for_later():
    later = facts(planned_start=TODAY + timedelta(days=30), planned_end=TODAY + timedelta(days=60), approved=False,
                  progress=Progress(4, 0, 0, 0))
    rag = rag_compute(later, today=TODAY)
    assert (rag.value, rag.exceptions) == (RagChoices.AMBER, ())  # not approved yet is fine before its start
    assert "awaiting approval" in rag.reason


def test_red_when_still_to_be_scheduled_and_not_an_exception():
    no_dates = rag_compute(facts(planned_start=None, planned_end=None), today=TODAY)
    assert (no_dates.value, no_dates.exceptions) == (RagChoices.RED, ())
    assert no_dates.reason == "To be scheduled: no planned dates yet."
    empty = rag_compute(facts(progress=Progress(0, 0, 0, 0)), today=TODAY)  # a new empty wave
    assert (empty.value, empty.exceptions) == (RagChoices.RED, ())
    assert rag_compute(facts(status=WaveStatusChoices.CANCELLED), today=TODAY).value == RagChoices.RED


# --- exceptions: beside the colour, never hidden -------------------------------------------------------------------


def test_failed_items_are_an_exception_beside_green():
    rag = rag_compute(facts(progress=Progress(4, 2, 0, 1)), today=TODAY)
    assert rag.value == RagChoices.GREEN and rag.exceptions == ("1 item(s) failed or rolled back.",)


def test_unreachable_hosts_in_the_last_run_are_an_exception():
    run = RunProblem(playbook="Pre-checks", unreachable=2)
    rag = rag_compute(facts(last_run=run), today=TODAY)
    assert rag.value == RagChoices.GREEN
    assert rag.exceptions == ("The last run (Pre-checks) could not reach 2 host(s).",)
    failed = rag_compute(facts(last_run=RunProblem(playbook="Pre-checks", error="No host had an IP address")),
                         today=TODAY)
    assert failed.exceptions == ("The last run (Pre-checks) failed: No host had an IP address",)


def test_behind_plan_and_overdue_are_exceptions():
    behind = rag_compute(facts(progress=Progress(4, 0, 0, 0)), today=TODAY)  # half the time gone, nothing done
    assert behind.value == RagChoices.GREEN and behind.exceptions == ("Behind plan: 50% of the time used, 0% done.",)
    overdue = rag_compute(facts(), today=END + timedelta(days=1))
    assert overdue.exceptions == (f"Behind plan: due to finish {END:%d/%m/%Y}, 50% done.",)


def test_unapproved_past_its_start_is_an_exception():
    rag = rag_compute(facts(approved=False), today=TODAY)
    assert rag.value == RagChoices.GREEN
    assert rag.exceptions == (f"Not approved, though due to start {START:%d/%m/%Y}.",)


@pytest.mark.django_db
def test_a_precheck_that_could_not_reach_its_host_is_no_longer_on_track():
    """The issue's case: the wave stayed "Green – On track" after its pre-check could not reach the host."""
    wave = WaveFactory(planned_start=timezone.localdate() - timedelta(days=1),
                       planned_end=timezone.localdate() + timedelta(days=30), approved_at=timezone.now())
    WaveItemFactory(wave=wave)
    assert selectors.wave_rag(wave).exceptions == ()
    run = PlaybookRunFactory(wave=wave, host_stats={"web-01": {"status": "unreachable", "unreachable": 1}})
    run.job.status, run.job.error = "failed", "1 of 1 host(s) failed or were unreachable: web-01"
    run.job.save()
    rag = selectors.wave_rag(wave)
    assert rag.value == RagChoices.GREEN
    assert rag.exceptions == ("The last run (Pre-checks) could not reach 1 host(s).",)
    # a later run that went well clears it
    ok = PlaybookRunFactory(wave=wave, host_stats={"web-01": {"status": "ok"}})
    ok.job.status = "completed"
    ok.job.save()
    assert selectors.wave_rag(wave).exceptions == ()


@pytest.mark.django_db
def test_override_needs_a_reason_is_audited_and_keeps_the_exceptions():
    wave = WaveFactory(planned_start=timezone.localdate() - timedelta(days=1),
                       planned_end=timezone.localdate() + timedelta(days=30))  # not approved: an exception
    WaveItemFactory(wave=wave)
    with pytest.raises(ValidationError):
        services.wave_rag_override(wave=wave, rag=RagChoices.BLUE, reason=" ")
    services.wave_rag_override(wave=wave, rag=RagChoices.AMBER, reason="Supplier delayed the laptops")
    rag = selectors.wave_rag(wave)
    assert (rag.value, rag.derived, rag.overridden) == (RagChoices.AMBER, RagChoices.GREEN, True)
    assert rag.reason == "Overridden: Supplier delayed the laptops" and len(rag.exceptions) == 1
    entry = LogEntry.objects.get_for_object(wave).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.changes_dict["rag_override"][1] == RagChoices.AMBER


@pytest.mark.django_db
def test_wave_api_and_page_show_the_rag_with_its_exceptions(client):
    wave = WaveFactory(planned_start=timezone.localdate() - timedelta(days=1),
                       planned_end=timezone.localdate() + timedelta(days=30))
    WaveItemFactory(wave=wave)
    _, key = token_create(user=UserFactory(perms=["migration_plans.view_wave"]), write_enabled=False)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    rag = api.get(f"/api/migration-plans/waves/{wave.pk}/").json()["rag"]
    assert rag["value"] == "green" and rag["label"] == "Green: in delivery"
    assert rag["exceptions"] and rag["exceptions"][0].startswith("Not approved")
    client.force_login(UserFactory(perms=["migration_plans.view_wave"]))
    page = client.get(wave.get_absolute_url()).content.decode()
    assert "Green: in delivery" in page and "Exception" in page and "Not approved, though due to start" in page


# --- money -----------------------------------------------------------------------------------------------------------


def test_money_and_variance_words():
    assert money(Decimal("1234567.891")) == "£1,234,567.89"
    assert money(-5) == "-£5.00"
    assert variance_text(Decimal("100000"), Decimal("692002.80")) == "£592,002.80 over budget"
    assert variance_text(100, 40) == "£60.00 under budget"
    assert variance_text(100, 100) == "on budget"
    assert financial_year(date(2027, 3, 31)) == "2026/27" and financial_year(date(2027, 4, 1)) == "2027/28"


@pytest.mark.django_db
def test_budget_and_savings_to_date_and_for_the_year_capital_and_revenue_apart():
    p = ProgrammeFactory()
    BudgetLineFactory(programme=p, financial_year="2025/26", category="capital", planned=1000, actual=1500)
    BudgetLineFactory(programme=p, financial_year="2026/27", category="capital", planned=2000, actual=500)
    BudgetLineFactory(programme=p, financial_year="2026/27", category="revenue", planned=300, actual=400)
    BudgetLineFactory(programme=p, financial_year="2027/28", category="revenue", planned=9999, actual=0)
    BudgetLineFactory(financial_year="2026/27", planned=777, actual=777)  # another programme's
    SavingsForecastFactory(programme=p, financial_year="2026/27", description="Data centre power", forecast=800,
                           realised=200)
    SavingsForecastFactory(programme=p, financial_year="2027/28", description="Licences", forecast=500)
    budget = budget_summary(programme=p, today=TODAY)
    assert budget["financial_year"] == "2026/27"
    to_date = {m.label: (m.planned, m.actual, m.variance_text) for m in budget["to_date"]}
    assert to_date == {"Capital": (3000, 2000, "£1,000.00 under budget"),
                       "Revenue": (300, 400, "£100.00 over budget"), "Total": (3300, 2400, "£900.00 under budget")}
    year = {m.label: (m.planned, m.actual) for m in budget["year"]}
    assert year == {"Capital": (2000, 500), "Revenue": (300, 400), "Total": (2300, 900)}
    savings = savings_summary(programme=p, today=TODAY)
    assert (savings["to_date"]["forecast"], savings["to_date"]["realised"], savings["to_date"]["percent"]) == \
        (800, 200, 25)
    assert [s.description for s in savings["lines"]] == ["Data centre power", "Licences"]  # where they come from


@pytest.mark.django_db
def test_programme_page_links_budget_savings_and_add_wave_and_never_shows_minus_pounds(client):
    p = ProgrammeFactory(start_date=TODAY)
    BudgetLineFactory(programme=p, financial_year=financial_year(timezone.localdate()), planned=100000,
                      actual=Decimal("692002.80"))
    client.force_login(UserFactory(perms=["migration_plans.view_programme", "migration_plans.add_wave",
                                          "migration_plans.add_budgetline", "migration_plans.add_savingsforecast"]))
    page = client.get(p.get_absolute_url()).content.decode()
    for url in (reverse("migration_plans:wave_add") + f"?programme={p.pk}",
                reverse("migration_plans:budgetline_add") + f"?programme={p.pk}",
                reverse("migration_plans:savingsforecast_add") + f"?programme={p.pk}",
                reverse("migration_plans:budgetline_list"), reverse("migration_plans:savingsforecast_list"),
                reverse("migration_plans:programme_report", kwargs={"pk": p.pk})):
        assert url in page, url
    assert "£592,002.80 over budget" in page and "£-" not in page
    # and the menu reaches them
    assert "Budget lines" in page and reverse("migration_plans:savingsforecast_list") in page


@pytest.mark.django_db
def test_programme_slug_is_filled_in_from_the_name(client):
    client.force_login(UserFactory(perms=["migration_plans.add_programme", "migration_plans.view_programme"]))
    response = client.post(reverse("migration_plans:programme_add"), {"name": "Cloud First 2026–2028"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "login" not in response["Location"], response["Location"]
    from migration_plans.models import Programme

    assert Programme.objects.get(name="Cloud First 2026–2028").slug == "cloud-first-20262028"


# --- burndown --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_burndown_covers_the_programmes_own_scope_from_zero_even_when_it_starts_later():
    today = timezone.localdate()
    p = ProgrammeFactory(start_date=today + timedelta(days=100), end_date=today + timedelta(days=300))
    wave = WaveFactory(programme=p, planned_start=today + timedelta(days=100),
                       planned_end=today + timedelta(days=130))
    old = DeviceFactory()
    FindingFactory(device=old)
    FindingFactory()  # unsupported kit in no wave of this programme: not its scope
    for device in (old, DeviceFactory(), DeviceFactory()):
        WaveItemFactory(wave=wave, device=device)
    WaveItemFactory()  # another programme's item
    WaveItem.objects.filter(wave=wave, device=old).update(state="done")
    data = burndown(programme=p, today=today)
    assert (data["items"], data["devices"], data["unsupported"]) == (3, 3, 1)
    points = data["points"]
    assert points[0]["month"] == today.strftime("%b %Y")  # starts now, so the actual line has a point
    assert (points[0]["planned"], points[0]["actual"], points[0]["unsupported"]) == (3, 2, 0)
    assert points[-1]["planned"] == 0 and points[-1]["actual"] is None
    svg = burndown_svg(points, title="Test")
    assert svg.startswith("<svg") and ">0</text>" in svg and "<polyline" in svg and "<title" in svg


# --- the committee report -------------------------------------------------------------------------------------------


@pytest.fixture
def reported(db):
    today = timezone.localdate()
    p = ProgrammeFactory(name="Cloud first", slug="cloud-first", start_date=today - timedelta(days=40),
                         description="Moving the council's servers to Azure.")
    wave = WaveFactory(programme=p, name="Servers 1", planned_start=today - timedelta(days=30),
                       planned_end=today + timedelta(days=30), approved_at=timezone.now())
    WaveItemFactory(wave=wave)
    WaveFactory(programme=p, name="Servers 2")
    BudgetLineFactory(programme=p, financial_year=financial_year(today), category="capital", planned=1000,
                      actual=Decimal("1500.25"))
    SavingsForecastFactory(programme=p, financial_year=financial_year(today), description="Power", forecast=300,
                           realised=100)
    return p


def test_report_page_is_dated_with_narratives_tables_and_the_chart(client, reported):
    client.force_login(UserFactory(perms=["migration_plans.view_programme"]))
    url = reverse("migration_plans:programme_report", kwargs={"pk": reported.pk})
    page = client.get(url).content.decode()
    for text in (f"Report date: <strong>{timezone.localdate():%-d %B %Y}</strong>", "2 wave(s): 0 blue, 1 green",
                 "Moving the council&#x27;s servers to Azure.", "Cloud migration wave, planned", "Servers 2",
                 "To be scheduled", "£500.25 over budget", "Power", "<svg", "Burndown figures"):
        assert text in page, text
    assert client.get(url, {"format": "doc"}).status_code == 400
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_report_pdf(client, reported):
    client.force_login(UserFactory(perms=["migration_plans.view_programme"]))
    response = client.get(reverse("migration_plans:programme_report", kwargs={"pk": reported.pk}), {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 5000
    assert "cloud-first-report-" in response["Content-Disposition"]


def test_report_xlsx_has_real_dates_and_numbers(client, reported):
    client.force_login(UserFactory(perms=["migration_plans.view_programme"]))
    response = client.get(reverse("migration_plans:programme_report", kwargs={"pk": reported.pk}),
                          {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Waves", "Budget", "Savings", "Burndown"]
    assert isinstance(book["Summary"]["B2"].value, datetime)
    waves = {row[0].value: row for row in book["Waves"].iter_rows(min_row=2)}
    assert isinstance(waves["Servers 1"][9].value, datetime) and waves["Servers 1"][6].value == 1
    assert waves["Servers 1"][3].value == "Green" and waves["Servers 2"][3].value == "Red"
    line = next(book["Budget"].iter_rows(min_row=2))
    assert (line[3].value, line[4].value, line[6].value) == (1000, 1500.25, "£500.25 over budget")
    assert "£" in line[3].number_format
    month = next(book["Burndown"].iter_rows(min_row=2))
    assert isinstance(month[0].value, datetime) and isinstance(month[1].value, int)


@pytest.mark.django_db
def test_programme_slug_is_filled_in_from_the_name_over_the_api():
    _, key = token_create(user=UserFactory(perms=["migration_plans.add_programme", "migration_plans.view_programme"]),
                          write_enabled=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post("/api/migration-plans/programmes/", {"name": "Digital Desk"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "digital-desk"
    again = api.post("/api/migration-plans/programmes/", {"name": "Digital  desk"}, format="json")
    assert again.status_code == 400 and "Slug already exists" in again.content.decode()  # clear, not a 500
