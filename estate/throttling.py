"""Brute-force protection: failed logins and bad API tokens are counted per account and per client address.

The counts live in Django's cache (settings.CACHES: a file cache under var/, shared by every gunicorn worker; no
database writes, so a flood of failures cannot contend for SQLite's write lock). Over the limit, logins are refused
even with the right password (the login page answers 429), and API requests answer 429 with Retry-After, until the
window has passed. A successful login clears the account's count (not the address's).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from rest_framework import authentication, exceptions


def client_address(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown") if request is not None else "unknown"


def _key(kind: str, value: str) -> str:
    return f"estate:throttle:{kind}:{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()[:32]}"


def failure_count(kind: str, value: str) -> int:
    return int(cache.get(_key(kind, value), 0))


def failure_record(kind: str, value: str) -> int:
    """Count one failure; the window starts at the first failure and the count lapses with it."""
    key = _key(kind, value)
    cache.add(key, 0, timeout=settings.ESTATE_THROTTLE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=settings.ESTATE_THROTTLE_WINDOW_SECONDS)
        return 1


def failures_clear(kind: str, value: str) -> None:
    cache.delete(_key(kind, value))


def login_blocked(username: str, address: str) -> bool:
    return (failure_count("login-user", username.strip().lower()) >= settings.ESTATE_LOGIN_FAILURES_PER_ACCOUNT
            or failure_count("login-addr", address) >= settings.ESTATE_LOGIN_FAILURES_PER_ADDRESS)


class ThrottledModelBackend(ModelBackend):
    """Django's username/password backend, except that while an account or address is over its limit every login
    is refused (even with the right password) before any password is checked: authenticate() stops at
    PermissionDenied and tries no other backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and login_blocked(str(username), client_address(request)):
            if request is not None:
                request.login_throttled = True
            raise PermissionDenied("Too many failed logins.")
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _count_failed_login(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "login_throttled", False):
        return  # refused because blocked: do not extend the block
    failure_record("login-user", str(credentials.get("username", "")).strip().lower())
    failure_record("login-addr", client_address(request))


@receiver(user_logged_in)
def _clear_account(sender, request, user, **kwargs):
    failures_clear("login-user", user.get_username().strip().lower())


def bad_token_check(request) -> None:
    """429 for a client address that has sent too many bad tokens lately (before its token is even looked up)."""
    if failure_count("token-addr", client_address(request)) >= settings.ESTATE_BAD_TOKENS_PER_ADDRESS:
        raise exceptions.Throttled(wait=settings.ESTATE_THROTTLE_WINDOW_SECONDS,
                                   detail="Too many requests with a bad token: try again later.")


def bad_token_record(request) -> None:
    failure_record("token-addr", client_address(request))


class AnonymousThrottleAuthentication(authentication.BaseAuthentication):
    """Last in DRF's authentication classes, so it sees only requests nothing else authenticated: counts them per
    address and answers 429 past the limit. (DRF's own throttles run after the permission check, which answers an
    anonymous request 401 first, so they would never apply.)"""

    def authenticate(self, request):
        address = client_address(request)
        if failure_record("anon-addr", address) > settings.ESTATE_ANONYMOUS_API_REQUESTS_PER_ADDRESS:
            raise exceptions.Throttled(wait=settings.ESTATE_THROTTLE_WINDOW_SECONDS,
                                       detail="Too many requests without credentials: try again later.")
        return None
