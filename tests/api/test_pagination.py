"""API pages: every row once, in the requested order, however deep the page and however the ordering ties."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from estate.services import token_create
from inventory.choices import DeviceKindChoices
from inventory.models import Device
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    user = f.UserFactory(perms=["inventory.view_device"])
    _, key = token_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def pages(api, ordering: str, limit: int = 7) -> list[int]:
    ids, offset = [], 0
    while True:
        body = api.get("/api/inventory/devices/", {"ordering": ordering, "limit": limit, "offset": offset}).json()
        ids += [row["id"] for row in body["results"]]
        offset += limit
        if offset >= body["count"]:
            return ids


@pytest.mark.parametrize("ordering", ["name", "-name", "kind", "kind,-name", "-last_seen"])
def test_pages_cover_every_device_once_in_order(api, ordering):
    site_a, site_b = f.SiteFactory(name="Alpha"), f.SiteFactory(name="Beta")
    kinds = [DeviceKindChoices.SERVER, DeviceKindChoices.DESKTOP, DeviceKindChoices.SWITCH]
    for n in range(31):
        f.DeviceFactory(name=f"dev-{n:02d}", kind=kinds[n % 3], site=site_a if n % 2 else site_b)
    ids = pages(api, ordering)
    assert sorted(ids) == sorted(Device.objects.values_list("pk", flat=True))  # none twice, none missing
    expected = list(Device.objects.order_by(*ordering.split(","), "pk").values_list("pk", flat=True))
    if ordering in ("name", "-name", "kind,-name"):
        assert ids == expected  # a total order: exactly this sequence
    else:  # ties may come in any order, but each page follows the sort key
        key = {"kind": "kind", "-last_seen": "last_seen"}[ordering]
        values = dict(Device.objects.values_list("pk", key))
        seen = [values[pk] for pk in ids]
        assert seen == sorted(seen, reverse=ordering.startswith("-"), key=lambda v: (v is None, v))


def test_a_deep_page_costs_the_same_queries_as_the_first(api):
    for n in range(60):
        f.DeviceFactory(name=f"dev-{n:02d}")
    counts = []
    api.get("/api/inventory/devices/", {"limit": 1})  # the token's first use is recorded once
    for offset in (0, 50):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/inventory/devices/", {"ordering": "name", "limit": 10, "offset": offset})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
