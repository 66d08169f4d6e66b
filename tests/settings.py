"""Test settings: the real settings, with a fast password hasher and plain static files."""

import os

os.environ.setdefault("ESTATE_INSECURE_DEV_KEY", "1")
os.environ.setdefault("ESTATE_PLAIN_STATIC", "1")
os.environ.setdefault("ESTATE_SECRETS_KEYS", "nWcbXh7e9Hq2O4d1-8l6Rz3Xg5yVbQ0sJtKfP4mLwE8=")

from estate.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
WHITENOISE_AUTOREFRESH = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # per process: tests stay apart
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Test-only job kinds: registered here, never in production settings.
ESTATE_JOB_RUNNERS = {**ESTATE_JOB_RUNNERS, "test.sleep": "estate.jobs.builtin.SleepJob"}  # noqa: F405
