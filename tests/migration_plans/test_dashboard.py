"""The programme dashboard (page, API, CSV/XLSX export, printable report): RAG counts, progress, budget against
actual, savings and the burndown, for all programmes or one; and who may see it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from estate.services import token_create
from migration_plans.models import WaveItem
from tests.factories import (
    BudgetLineFactory,
    DeviceFactory,
    ProgrammeFactory,
    SavingsForecastFactory,
    UserFactory,
    WaveFactory,
    WaveItemFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("migration_plans:dashboard")
API = "/api/migration-plans/dashboard/"


@pytest.fixture
def estate():
    """Two programmes: "Cloud first" with a finished wave, an at-risk one and an unscheduled one; "Desks" with one."""
    today = timezone.localdate()
    cloud, desks = ProgrammeFactory(name="Cloud first", slug="cloud-first"), ProgrammeFactory(name="Desks",
                                                                                             slug="desks")
    done = WaveFactory(programme=cloud, name="Wave done", planned_start=today - timedelta(days=20),
                       planned_end=today + timedelta(days=10), approved_at=timezone.now())
    risky = WaveFactory(programme=cloud, name="Wave risky", planned_start=today - timedelta(days=5),
                        planned_end=today + timedelta(days=25), approved_at=timezone.now())
    WaveFactory(programme=cloud, name="Wave unscheduled")
    other = WaveFactory(programme=desks, name="Desk wave", kind="desktop_replacement",
                        planned_start=today + timedelta(days=5), planned_end=today + timedelta(days=30))
    for _ in range(2):
        WaveItemFactory(wave=done, device=DeviceFactory())
    WaveItem.objects.filter(wave=done).update(state="done")
    WaveItemFactory(wave=risky, device=DeviceFactory())
    WaveItemFactory(wave=risky, device=DeviceFactory())
    WaveItem.objects.filter(wave=risky).update(state="failed")
    WaveItemFactory(wave=other, device=DeviceFactory(kind="desktop"), strategy="dispose", target_provider="")
    BudgetLineFactory(programme=cloud, financial_year="2026/27", category="capital", planned=100000, actual=40000)
    BudgetLineFactory(programme=cloud, financial_year="2026/27", category="capital", planned="500.50", actual=0)
    BudgetLineFactory(programme=cloud, financial_year="2026/27", category="revenue", planned=20000, actual=25000)
    BudgetLineFactory(programme=desks, financial_year="2027/28", category="capital", planned=7000, actual=0)
    SavingsForecastFactory(programme=cloud, financial_year="2027/28", forecast=30000, realised=12000)
    SavingsForecastFactory(programme=desks, financial_year="2027/28", forecast=1000)
    return {"cloud": cloud, "desks": desks, "done": done, "risky": risky, "other": other}


def api_client(*perms: str) -> APIClient:
    _, key = token_create(user=UserFactory(perms=list(perms)), write_enabled=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_dashboard_needs_view_programme(client, estate):
    assert client.get(URL).status_code == 302
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"export": "csv"}).status_code == 403
    assert APIClient().get(API).status_code in (401, 403)
    assert api_client().get(API).status_code == 403
    assert api_client("migration_plans.view_programme").get(API).status_code == 200


def test_api_rag_progress_budget_and_savings(estate):
    api = api_client("migration_plans.view_programme")
    body = api.get(API).json()
    rags = {w["name"]: (w["rag"], w["items"], w["done"], w["percent"]) for w in body["waves"]}
    # the councils' meaning: blue completed, green in delivery, amber planned for later, red to be scheduled
    assert rags == {"Wave done": ("blue", 2, 2, 100), "Wave risky": ("green", 2, 0, 0),
                    "Wave unscheduled": ("red", 0, 0, 0), "Desk wave": ("amber", 1, 0, 0)}
    exceptions = {w["name"]: w["rag_exceptions"] for w in body["waves"]}
    assert exceptions["Wave risky"] == ["2 item(s) failed or rolled back."]  # beside the green, not hidden
    assert exceptions["Wave done"] == exceptions["Desk wave"] == exceptions["Wave unscheduled"] == []
    assert body["rag_counts"] == {"blue": 1, "green": 1, "amber": 1, "red": 1}
    body = api.get(API, {"programme": "cloud-first"}).json()
    assert body["programme"] == "cloud-first"
    assert {w["name"] for w in body["waves"]} == {"Wave done", "Wave risky", "Wave unscheduled"}
    assert body["budget"] == [
        {"financial_year": "2026/27", "category": "capital", "planned": "100500.50", "actual": "40000.00",
         "variance": "60500.50", "variance_text": "£60,500.50 under budget"},
        {"financial_year": "2026/27", "category": "revenue", "planned": "20000.00", "actual": "25000.00",
         "variance": "-5000.00", "variance_text": "£5,000.00 over budget"},
    ]
    assert body["savings"] == [{"financial_year": "2027/28", "forecast": "30000.00", "realised": "12000.00"}]
    # the burndown: 4 items of this programme's waves, 2 done this month
    this_month = timezone.localdate().strftime("%b %Y")
    assert [p["actual"] for p in body["burndown"] if p["month"] == this_month] == [2]
    assert body["burndown_scope"] == {"items": 4, "devices": 4, "unsupported": 0}
    # an unknown programme means all of them, not an error
    assert len(api.get(API, {"programme": "nope"}).json()["waves"]) == 4


def test_page_shows_rag_progress_money_and_the_burndown(client, estate):
    client.force_login(UserFactory(perms=["migration_plans.view_programme"]))
    page = client.get(URL, {"programme": "cloud-first"}).content.decode()
    for text in ("Programme dashboard: Cloud first", "Wave done", "Wave risky", "rag-blue", "rag-amber", "rag-red",
                 "£100,500.50", "£60,500.50", "£30,000.00", "£12,000.00", "chart-burndown"):
        assert text in page, text
    assert "Desk wave" not in page
    assert "<svg" in page and "£60,500.50 under budget" in page and "£-" not in page


def test_csv_and_xlsx_exports(client, estate):
    client.force_login(UserFactory(perms=["migration_plans.view_programme"]))
    response = client.get(URL, {"export": "csv"})
    assert response.status_code == 200 and ".csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig") if not response.streaming else \
        b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    by_wave = {r["Wave"]: r for r in rows}
    assert set(by_wave) == {"Wave done", "Wave risky", "Wave unscheduled", "Desk wave"}
    assert (by_wave["Wave done"]["RAG"], by_wave["Wave done"]["Progress %"]) == ("blue", "100")
    assert by_wave["Wave risky"]["RAG"] == "green" and "failed" in by_wave["Wave risky"]["RAG reason"]
    response = client.get(URL, {"export": "xlsx", "programme": "desks"})
    assert response.status_code == 200 and ".xlsx" in response["Content-Disposition"]
    content = response.content if not response.streaming else b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["Programme", "Wave", "Kind", "Status", "RAG"]
    assert [row[1] for row in values[1:]] == ["Desk wave"]


def test_printable_report(client, estate):
    client.force_login(UserFactory(perms=["migration_plans.view_programme"]))
    page = client.get(URL, {"print": "1", "programme": "cloud-first"}).content.decode()
    assert "estate/print.js" in page  # opens the print dialogue (a script file: the CSP allows no inline script)
    assert '<canvas id="chart-burndown"' not in page and "chart.umd.min.js" not in page
    assert "Burndown figures" in page and "Wave risky" in page  # the figures stay, as a table


def test_programme_page_embeds_its_dashboard(client, estate):
    client.force_login(UserFactory(perms=["migration_plans.view_programme"]))
    page = client.get(estate["cloud"].get_absolute_url()).content.decode()
    assert "Wave risky" in page and "Desk wave" not in page
