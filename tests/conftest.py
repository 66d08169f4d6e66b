"""Shared pytest set-up. Real agents (snmpd, snmpsim, sshd, redis, postgres) come from tests/agents."""

import os as _os
import uuid as _uuid

import pytest as _pytest

# One random seed per test session, inherited by every xdist worker (they start after this file is imported), for
# values that must agree across workers, such as the password of a shared OS test account.
_os.environ.setdefault("ESTATE_TEST_SESSION_SEED", _uuid.uuid4().hex)

_DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server",
                "django_db_reset_sequences", "django_db_serialized_rollback"}


def _uses_database(item) -> bool:
    if item.get_closest_marker("django_db") or _DB_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    cls = getattr(item, "cls", None)
    if cls is None:
        return False
    from django.test import SimpleTestCase, TransactionTestCase

    return issubclass(cls, TransactionTestCase) or (issubclass(cls, SimpleTestCase) and bool(cls.databases))


def pytest_collection_modifyitems(config, items):
    """ESTATE_TEST_ONLY_DB=1 (scripts/test's PostgreSQL pass): keep only tests that touch the database."""
    if _os.environ.get("ESTATE_TEST_ONLY_DB") != "1":
        return
    keep, dropped = [], []
    for item in items:
        (keep if _uses_database(item) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@_pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Brute-force counters (estate.throttling) live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
