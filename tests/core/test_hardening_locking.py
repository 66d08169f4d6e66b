"""One slow request must not lock everyone out (issue 15, item 3).

On SQLite every write transaction is BEGIN IMMEDIATE, which takes the database's one write lock: so model validation
(a scope's long target list, say) runs before the transaction opens, in the web pages and the API alike; a POSTed
list is capped; and the token's last_used bookkeeping writes at most once a minute and never fails a request.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from estate.models import Token
from estate.services import token_create
from inventory.models import Site
from tests.factories import SiteFactory, UserFactory


@pytest.fixture
def admin(db):
    return UserFactory(username="locker", is_superuser=True, is_staff=True)


@pytest.fixture
def api(admin):
    _, key = token_create(user=admin, write_enabled=True)
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def clean_depths(monkeypatch):
    """How many atomic blocks were open each time Site.clean() ran, relative to the test's own."""
    base = len(connection.atomic_blocks)
    depths: list[int] = []
    original = Site.clean

    def clean(self):
        depths.append(len(connection.atomic_blocks) - base)
        return original(self)

    monkeypatch.setattr(Site, "clean", clean)
    return depths


def test_page_edit_validates_outside_the_write_transaction(admin, clean_depths):
    client = Client()
    client.force_login(admin)
    response = client.post(reverse("inventory:site_add"), {"name": "Town Hall", "slug": "town-hall",
                                                                   "time_zone": "Europe/London"})
    assert response.status_code == 302, response.content[:500]
    assert clean_depths and all(depth == 0 for depth in clean_depths), clean_depths


def test_page_bulk_edit_validates_outside_the_write_transaction(admin, clean_depths):
    client = Client()
    client.force_login(admin)
    sites = [SiteFactory(), SiteFactory()]
    response = client.post(reverse("inventory:site_bulk_edit"),
                           {"pk": [s.pk for s in sites], "_apply": "1", "description": "moved"})
    assert response.status_code == 302, response.content[:500]
    assert 0 in clean_depths, clean_depths  # validated once before the transaction (and again under the locks)


def test_api_create_and_bulk_create_validate_outside_the_write_transaction(api, clean_depths):
    response = api.post("/api/inventory/sites/", {"name": "Depot", "slug": "depot"}, content_type="application/json")
    assert response.status_code == 201, response.content
    response = api.post("/api/inventory/sites/", [{"name": f"Library {n}", "slug": f"library-{n}"} for n in range(3)],
                        content_type="application/json")
    assert response.status_code == 201, response.content
    assert len(clean_depths) == 4 and set(clean_depths) == {0}, clean_depths


def test_api_bulk_create_reports_each_bad_object_and_saves_nothing(api):
    response = api.post("/api/inventory/sites/", [{"name": "Good", "slug": "good"}, {"name": "Bad", "slug": "b d"}],
                        content_type="application/json")
    assert response.status_code == 400, response.content
    assert not Site.objects.filter(slug="good").exists()


def test_api_bulk_create_is_capped(api, settings):
    settings.ESTATE_API_MAX_BULK = 5
    body = [{"name": f"Site {n}", "slug": f"site-{n}"} for n in range(6)]
    response = api.post("/api/inventory/sites/", body, content_type="application/json")
    assert response.status_code == 400
    assert "at most 5" in response.json()["error"]["message"]
    assert not Site.objects.exists()


def test_token_last_used_is_written_at_most_once_a_minute(admin):
    token, key = token_create(user=admin)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/status/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/api/status/").status_code == 200
    token_updates = [q for q in first.captured_queries + second.captured_queries
                     if q["sql"].startswith("UPDATE") and "estate_token" in q["sql"]]
    assert len(token_updates) == 1, token_updates
    token.refresh_from_db()
    assert token.last_used is not None
    Token.objects.filter(pk=token.pk).update(last_used=timezone.now() - dt.timedelta(minutes=2))
    client.get("/api/status/")
    token.refresh_from_db()
    assert timezone.now() - token.last_used < dt.timedelta(seconds=30)


def test_a_failing_last_used_write_never_fails_the_request(admin, monkeypatch):
    _, key = token_create(user=admin)

    def locked(self, **kwargs):
        if "last_used" in kwargs:
            raise OperationalError("database is locked")
        return original(self, **kwargs)

    original = QuerySet.update
    monkeypatch.setattr(QuerySet, "update", locked)
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/inventory/sites/")
    assert response.status_code == 200, response.content
