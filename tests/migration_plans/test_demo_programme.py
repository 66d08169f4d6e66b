"""The demo programme: waves in each RAG state (one with an exception), capital and revenue budget lines, savings
with their sources and demo devices in the waves; loading it again changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from inventory.demo import demo_estate_load
from migration_plans import selectors
from migration_plans.demo import PROGRAMME, demo_programme_load
from migration_plans.models import BudgetLine, Programme, SavingsForecast, WaveItem

pytestmark = pytest.mark.django_db


def test_demo_programme_fills_the_programme_pages(client):
    demo_estate_load()
    first = demo_programme_load()
    assert first["created"] > 15
    programme = Programme.objects.get(name=PROGRAMME)
    data = selectors.programme_dashboard(programme=programme)
    assert data["rag_counts"] == {"blue": 1, "green": 2, "amber": 1, "red": 1}
    assert data["exceptions"] >= 1  # the phones wave: a failed item, and not approved past its start
    assert set(BudgetLine.objects.filter(programme=programme).values_list("category", flat=True)) == \
        {"capital", "revenue"}
    assert SavingsForecast.objects.filter(programme=programme, realised__isnull=False).exists()
    assert WaveItem.objects.filter(wave__programme=programme).count() >= 12
    assert data["burndown"]["items"] >= 12
    assert demo_programme_load() == {"created": 0, "updated": 0}  # idempotent


def test_load_demo_command_loads_the_programme():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo programme: {'created':" in out.getvalue()
    assert Programme.objects.filter(name=PROGRAMME).exists()
