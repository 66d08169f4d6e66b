"""`manage.py check --deploy` is clean with production-like settings (HTTPS, real secret key, no DEBUG)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ESTATE_", "DJANGO_", "PYTEST_")) and k != "DATABASE_URL"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "estate.settings",
        "ESTATE_SECRET_KEY": secrets.token_urlsafe(64),  # 86 random characters
        "ESTATE_SECRETS_KEYS": "nWcbXh7e9Hq2O4d1-8l6Rz3Xg5yVbQ0sJtKfP4mLwE8=",
        "ESTATE_HTTPS": "1",
        "ESTATE_ALLOWED_HOSTS": "estate.example.org",
        "ESTATE_VAR_DIR": str(var_dir),  # DATABASE_URL unset: SQLite in here
    })
    return env


@pytest.mark.slow
def test_check_deploy_has_no_issues(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNINGS" not in output, output


@pytest.mark.slow
def test_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["ESTATE_SECRET_KEY"]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert "ESTATE_SECRET_KEY is not set" in result.stderr
