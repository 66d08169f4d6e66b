"""Security headers (issue 15, item 6) and JSON errors everywhere under /api/ (item 7)."""

from __future__ import annotations

import re

from django.test import Client

from tests.core.hardening_fixtures import admin, api, client  # noqa: F401 - fixtures
from tests.core.test_health_and_auth import example_urls
from tests.factories import DeviceFactory

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_every_page_has_a_csp_without_inline_script_and_is_not_stored(client):
    device = DeviceFactory()
    checked = 0
    for name, path in example_urls(device.pk):
        if path.startswith(("/api/", "/admin/", "/logout/")) or "delete" in name or "export" in path:
            continue
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        checked += 1
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], path
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "camera=()" in response["Permissions-Policy"]
        assert response["Cache-Control"] == "no-store", path
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html).group(0))
        assert not INLINE_HANDLER.search(html), (path, INLINE_HANDLER.search(html).group(0))
        assert "fonts.googleapis.com" not in html and "cdn.redoc.ly" not in html, path
    assert checked > 40


def test_api_docs_are_offline_and_without_inline_script(client):
    for path in ("/api/docs/", "/api/redoc/"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (path, html)
        assert "https://" not in html.replace("https://www.w3.org", ""), (path, html)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_login_page_is_public_with_csp_and_api_is_not_stored(api):
    response = Client().get("/login/")
    assert response.status_code == 200 and "Content-Security-Policy" in response
    assert api.get("/api/inventory/devices/")["Cache-Control"] == "no-store"


def _assert_json_error(response, status: int):
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert error["status"] == status and error["message"] and error["code"]


def test_unknown_api_paths_answer_json(api):
    _assert_json_error(api.get("/api/no-such-thing/"), 404)
    _assert_json_error(api.get("/api/inventory/devices/99999999/"), 404)
    _assert_json_error(Client().get("/api/no-such-thing/"), 404)


def test_method_errors_answer_json(api):
    response = api.put("/api/inventory/devices/", {}, content_type="application/json")
    _assert_json_error(response, 405)
    assert "GET" in response["Allow"]
    _assert_json_error(api.post("/api/status/", {}, content_type="application/json"), 405)


def test_oversized_bodies_answer_json(api, settings):
    settings.ESTATE_API_MAX_BODY_BYTES = 1000
    _assert_json_error(api.post("/api/inventory/sites/", "x" * 2000, content_type="application/json"), 413)
    settings.ESTATE_API_MAX_BODY_BYTES = 10**8
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("/api/lifecycle/import/hardware-notices/", {"note": "x" * 5000})
    assert response.status_code in (400, 413) and response["Content-Type"].startswith("application/json")


def test_bad_content_length_answers_json(api):
    _assert_json_error(api.generic("POST", "/api/inventory/sites/", b"{}", content_type="application/json",
                                   CONTENT_LENGTH="abc"), 400)
