"""Brute force is throttled (issue 15, item 4) and a token cannot mint a stronger or longer-lived one (item 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from estate.models import Token
from estate.services import token_create
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's


@pytest.fixture
def user(db):
    return UserFactory(username="clerk", is_superuser=True)


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_many_wrong_passwords_then_the_right_one_is_refused(user, settings):
    client = Client()
    for _ in range(settings.ESTATE_LOGIN_FAILURES_PER_ACCOUNT):
        assert _login(client, "clerk", "wrong").status_code == 200
    response = _login(client, "clerk", PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session
    # The admin's login page goes through the same authenticate(): refused too.
    admin = Client().post("/admin/login/", {"username": "clerk", "password": PASSWORD})
    assert "_auth_user_id" not in admin.wsgi_request.session


def test_failures_from_one_address_across_accounts_are_throttled(user, settings):
    settings.ESTATE_LOGIN_FAILURES_PER_ADDRESS = 5
    client = Client()
    for n in range(5):
        _login(client, f"guess{n}", "wrong")
    assert _login(client, "clerk", PASSWORD).status_code == 429
    # Another address is not held up by them.
    other = Client(REMOTE_ADDR="127.0.0.9")
    assert _login(other, "clerk", PASSWORD).status_code == 302


def test_a_good_login_clears_the_account_count(user, settings):
    client = Client()
    for _ in range(settings.ESTATE_LOGIN_FAILURES_PER_ACCOUNT - 1):
        _login(client, "clerk", "wrong")
    assert _login(client, "clerk", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.ESTATE_LOGIN_FAILURES_PER_ACCOUNT - 1):
        _login(client, "clerk", "wrong")
    assert _login(client, "clerk", PASSWORD).status_code == 302


def test_bad_api_tokens_get_429(user, settings):
    _, key = token_create(user=user)
    client = Client()
    statuses = [client.get("/api/status/", HTTP_AUTHORIZATION=f"Token est_bad{n}").status_code for n in range(200)]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    assert statuses.index(429) == settings.ESTATE_BAD_TOKENS_PER_ADDRESS
    response = client.get("/api/status/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # Another address still works.
    assert Client(REMOTE_ADDR="127.0.0.9").get("/api/status/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_anonymous_api_requests_get_429(db, settings):
    settings.ESTATE_ANONYMOUS_API_REQUESTS_PER_ADDRESS = 20
    client = Client()
    statuses = [client.get("/api/inventory/devices/").status_code for _ in range(25)]
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429] * 5


# --- item 5: tokens -------------------------------------------------------------------------------------------------


def _api(user, **token_kwargs) -> Client:
    _, key = token_create(user=user, **token_kwargs)
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def test_an_expiring_token_cannot_create_a_longer_lived_one(user):
    tomorrow = timezone.now() + dt.timedelta(days=1)
    client = _api(user, write_enabled=True, expires=tomorrow)
    response = client.post("/api/core/tokens/", {"write_enabled": True}, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "expires" in response.json()["error"]["detail"]
    later = (tomorrow + dt.timedelta(days=30)).isoformat()
    assert client.post("/api/core/tokens/", {"expires": later}, content_type="application/json").status_code == 400
    sooner = (tomorrow - dt.timedelta(hours=1)).isoformat()
    response = client.post("/api/core/tokens/", {"expires": sooner, "write_enabled": True},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert Token.objects.filter(user=user).count() == 2


def test_past_expiry_is_refused(user):
    client = _api(user, write_enabled=True)
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = client.post("/api/core/tokens/", {"expires": past}, content_type="application/json")
    assert response.status_code == 400 and "future" in response.json()["error"]["message"]
    session = Client()
    session.force_login(user)
    assert session.post("/api/core/tokens/", {"expires": past}, content_type="application/json").status_code == 400
    assert Token.objects.filter(user=user).count() == 1


def test_a_read_only_token_cannot_create_a_write_token(user):
    from estate.api.permissions import IsAuthenticatedWritableToken  # read-only tokens may not POST at all
    assert IsAuthenticatedWritableToken
    read_only, _ = token_create(user=user)
    with pytest.raises(Exception, match="read-only"):
        token_create(user=user, write_enabled=True, parent=read_only)
