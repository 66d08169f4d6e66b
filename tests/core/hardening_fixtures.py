"""Fixtures the hardening tests share: a superuser, a logged-in page client and a write-token API client, both
answering errors as responses (never raising) so a 500 is seen as a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from estate.services import token_create
from tests.factories import UserFactory


@pytest.fixture
def admin(db):
    return UserFactory(username="hardener", is_superuser=True, is_staff=True)


@pytest.fixture
def client(admin):
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    return client


@pytest.fixture
def api(admin):
    _, key = token_create(user=admin, write_enabled=True)
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {key}")
