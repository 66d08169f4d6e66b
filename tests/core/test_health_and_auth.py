"""Only /health/, the login pages and static files are public; every other URL wants a logged-in user or a token.

The URL list is walked from the resolver, so a new view is covered the day it is added. Requests carry no
credentials at all (no session, no token, no basic auth).
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from tests.factories import DeviceFactory, SiteFactory

# Public on purpose: (url name, expected status).
PUBLIC = {"health": 200, "login": 200, "admin:login": 200}
# Logging out without being logged in is harmless; Django's views are POST-only (405 on GET) or redirect.
HARMLESS = {"logout", "admin:logout"}

EXAMPLE_VALUES = {"int": "1", "uuid": str(uuid.UUID(int=1)), "format": "json", "slug": "x", "str": "x", "path": "x"}


def walk(resolver: URLResolver, namespace: str = "", prefix: str = ""):
    """Yield (full name, pattern text, converter names by kwarg) for every named URL pattern."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {}) or {}
            kwargs = {name: "format" if name == "format" else type(conv).__name__.removesuffix("Converter").lower()
                      for name, conv in converters.items()}
            regex_groups = getattr(entry.pattern.regex, "groupindex", {})
            for group in regex_groups:
                kwargs.setdefault(group, "format" if group == "format" else "int" if group == "pk" else "str")
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), kwargs


def example_urls(pk: int) -> list[tuple[str, str]]:
    """(name, concrete path) for every named pattern: arguments filled in (pk = a real object's id)."""
    urls = []
    seen = set()
    for name, _pattern, kwargs in walk(get_resolver()):
        values = {k: (str(pk) if kind == "int" else EXAMPLE_VALUES.get(kind, "x")) for k, kind in kwargs.items()}
        try:
            path = reverse(name, kwargs=values or None)
        except NoReverseMatch:
            continue
        if path not in seen:
            seen.add(path)
            urls.append((name, path))
    return urls


@pytest.fixture
def anonymous():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def some_objects(db):
    site = SiteFactory()
    return DeviceFactory(site=site)


def test_health_is_public(anonymous, db):
    response = anonymous.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_login_page_is_public(anonymous, db):
    response = anonymous.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_static_files_are_public(anonymous, db):
    response = anonymous.get("/static/estate/estate.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_every_other_url_needs_a_login(anonymous, some_objects):
    urls = example_urls(some_objects.pk)
    assert len(urls) > 50, urls  # the walk found the app's URLs
    problems = []
    checked_api = checked_pages = 0
    for name, path in urls:
        response = anonymous.get(path)
        status = response.status_code
        if name in PUBLIC:
            if status != PUBLIC[name]:
                problems.append(f"{path} ({name}): public page answered {status}")
            continue
        if name in HARMLESS:
            continue
        if path.startswith("/api/"):
            checked_api += 1
            if status not in (401, 403):
                problems.append(f"{path} ({name}): API answered {status} to an anonymous request")
        elif path.startswith("/admin/"):
            checked_pages += 1
            location = response.get("Location", "")
            if status != 302 or not location.startswith((reverse("admin:login"), reverse("login"))):
                problems.append(f"{path} ({name}): admin answered {status} {location}")
        else:
            checked_pages += 1
            location = response.get("Location", "")
            if status != 302 or not location.startswith(reverse("login") + "?next="):
                problems.append(f"{path} ({name}): answered {status} {location} instead of sending to login")
    assert not problems, "\n".join(problems)
    assert checked_api > 10 and checked_pages > 20


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_without_credentials_are_refused(anonymous, some_objects, method):
    api = getattr(anonymous, method)(f"/api/inventory/devices/{some_objects.pk}/", {}, content_type="application/json")
    assert api.status_code in (401, 403)
    page = anonymous.post(reverse("inventory:device_delete", kwargs={"pk": some_objects.pk}))
    assert page.status_code in (302, 403)
    assert type(some_objects).objects.filter(pk=some_objects.pk).exists()


def test_a_bogus_token_is_refused(db):
    client = Client(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/inventory/devices/").status_code in (401, 403)
