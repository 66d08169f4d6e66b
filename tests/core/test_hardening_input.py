"""Malformed input gets a clear 4xx, never a 500 (issue 15, item 1), with a property test over the importers and
every list page and list endpoint: random bytes and random query strings find no server error."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.hardening_fixtures import admin, api, client  # noqa: F401 - fixtures
from tests.core.test_health_and_auth import example_urls
from tests.factories import DeviceFactory, WaveFactory

BAD_PKS = ["abc", "1.5", "1\x00", str(2**65), "-1", "١"]  # the last one: an Arabic-Indic digit, isdigit() but not ASCII


def list_pages() -> list[str]:
    return [path for name, path in example_urls(1) if name.endswith("_list") and not path.startswith("/api/")]


def test_per_page_out_of_range_on_every_list_page(client):
    DeviceFactory()
    pages = list_pages()
    assert len(pages) > 20
    for path in pages:
        for value in ("-1", "0", "99999999999999999999999", "abc"):
            response = client.get(path, {"per_page": value, "page": "-3"})
            assert response.status_code == 200, (path, value, response.status_code)


@pytest.mark.parametrize("value", BAD_PKS)
@pytest.mark.parametrize("url_name", ["inventory:device_bulk_edit", "inventory:device_bulk_delete",
                                      "migration_plans:add_devices"])
def test_malformed_pks_are_a_400(client, url_name, value):
    device = DeviceFactory()
    WaveFactory()
    response = client.post(reverse(url_name), {"pk": [str(device.pk), value]})
    assert response.status_code == 400, response.status_code
    device.refresh_from_db()


@pytest.mark.parametrize("path", ["/api/jobs/", "/api/jobs/blackout-windows/", "/api/jobs/schedule-events/",
                                  "/jobs/", "/blackout-windows/"])
def test_schedule_id_overflow(client, api, path):
    caller = api if path.startswith("/api/") else client
    response = caller.get(path, {"schedule_id": "36893488147419103232"})
    assert response.status_code in (200, 400), response.status_code
    if path.startswith("/api/"):
        assert response.status_code == 400 and response.json()["error"]["status"] == 400


@pytest.mark.parametrize("data", [b"\xff\xfeabc", b"\xfe\xffabc", b"\xff\xfe\x00\xd8,\x00a\x00\n\x00"])
def test_csv_with_bad_encoding_is_a_400(api, data):
    upload = SimpleUploadedFile("devices.csv", data, content_type="text/csv")
    response = api.post("/api/inventory/import/", {"file": upload, "model": "devices", "dry_run": "false"})
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response.json()["error"]["message"]
    upload = SimpleUploadedFile("devices.csv", data, content_type="text/csv")
    preview = api.post("/api/inventory/import/", {"file": upload, "model": "devices"})
    assert preview.status_code == 200 and preview.json()["errors"]


def test_csv_with_surrogate_bytes_never_500(api):
    upload = SimpleUploadedFile("devices.csv", b"name,kind\n\xed\xa0\x80,server\n", content_type="text/csv")
    assert api.post("/api/inventory/import/", {"file": upload, "model": "devices"}).status_code == 200


def test_import_page_confirm_with_malformed_fields(client):
    response = client.post(reverse("inventory:import"), {"import_id": "x", "columns": "abc", "_apply": "1"})
    assert response.status_code in (302, 400)
    response = client.post(reverse("inventory:import"), {"columns": "abc", "_confirm": "1"})
    assert response.status_code in (200, 302, 400)


# --- property tests -----------------------------------------------------------------------------------------------

_QUERY_VALUES = st.one_of(st.text(max_size=30), st.integers(min_value=-2**70, max_value=2**70).map(str),
                          st.sampled_from(["", "-1", "0", "1.5", "\x00", "2026-13-45", "9" * 40, "null", "[]"]))
# Each parameter is present about half the time: paging and sorting on every list, plus common filters.
_QUERIES = st.fixed_dictionaries({}, optional=dict.fromkeys((
    "per_page", "page", "sort", "q", "limit", "offset", "ordering", "schedule_id", "id", "site", "site_id",
    "created_after", "since", "status", "kind", "tag", "columns", "object_id"), _QUERY_VALUES))
_PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))


def test_random_query_strings_on_every_list_never_500(client, api):
    DeviceFactory()
    pages = list_pages()
    endpoints = [path for name, path in example_urls(1) if name.endswith("-list") and path.startswith("/api/")]
    assert len(endpoints) > 20

    @settings(_PROPERTY, max_examples=150)
    @given(index=st.integers(min_value=0, max_value=len(pages) + len(endpoints) - 1), query=_QUERIES)
    def check(index, query):
        if index < len(pages):
            response = client.get(pages[index], query)
        else:
            response = api.get(endpoints[index - len(pages)], query)
        assert response.status_code < 500, (response.status_code, response.request, query)

    check()


def test_random_bytes_to_every_importer_never_500(client, api):
    @_PROPERTY
    @given(data=st.one_of(st.binary(max_size=300),
                          st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
                          st.binary(max_size=200).map(lambda b: b"\xff\xfe" + b),
                          st.binary(max_size=200).map(lambda b: b"name,kind,site\n" + b)),
           which=st.sampled_from(["devices", "sites", "endoflife", "hardware", "page"]))
    def check(data, which):
        if which in ("devices", "sites"):
            upload = SimpleUploadedFile("x.csv", data, content_type="text/csv")
            response = api.post("/api/inventory/import/", {"file": upload, "model": which})
        elif which == "endoflife":
            upload = SimpleUploadedFile("x.json", data, content_type="application/json")
            response = api.post("/api/lifecycle/import/endoflife/", {"file": upload})
        elif which == "hardware":
            upload = SimpleUploadedFile("x.csv", data, content_type="text/csv")
            response = api.post("/api/lifecycle/import/hardware-notices/", {"file": upload})
        else:
            upload = SimpleUploadedFile("x.csv", data, content_type="text/csv")
            response = client.post(reverse("inventory:import"), {"file": upload, "model": "devices"})
        assert response.status_code < 500, (which, response.status_code, data[:60])

    check()
