"""The CLI without ESTATE_SECRET_KEY (issue 16, item 15) and production settings without test-only job kinds (issue
15, item 9). Real `manage.py` processes with the production settings module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, var_dir: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESTATE_", "DJANGO_", "PYTEST_", "DATABASE_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "estate.settings", "ESTATE_VAR_DIR": str(var_dir), **extra})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_cli_reads_the_secrets_scripts_run_keeps_in_var(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 60 + "\n")
    (tmp_path / "secrets_keys").write_text("nWcbXh7e9Hq2O4d1-8l6Rz3Xg5yVbQ0sJtKfP4mLwE8=\n")
    result = _manage("--help", var_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "import_devices" in result.stdout
    code = ("from django.conf import settings; print(settings.SECRET_KEY == 'k' * 60, "
            "len(settings.ESTATE_SECRETS_KEYS), 'test.sleep' in settings.ESTATE_JOB_RUNNERS)")
    result = _manage("shell", "--no-imports", "-c", code, var_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "1", "False"]


def test_environment_wins_over_var_files(tmp_path):
    (tmp_path / "secret_key").write_text("from-file")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = _manage("shell", "--no-imports", "-c", code, var_dir=tmp_path, ESTATE_SECRET_KEY="from-env")
    assert result.stdout.strip() == "from-env", result.stderr


def test_cli_without_any_secret_says_what_to_do_in_one_line(tmp_path):
    for args in (["--help"], ["migrate"]):
        result = _manage(*args, var_dir=tmp_path / "empty")
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "scripts/run" in lines[0] and "ESTATE_SECRET_KEY" in lines[0], result.stderr


def test_test_only_job_kinds_are_not_in_production_settings(tmp_path):
    code = "from django.conf import settings; print(sorted(settings.ESTATE_JOB_RUNNERS))"
    result = _manage("shell", "--no-imports", "-c", code, var_dir=tmp_path, ESTATE_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert "test.sleep" not in result.stdout and "estate.prune_jobs" in result.stdout
    from django.conf import settings  # the tests still have it

    assert "test.sleep" in settings.ESTATE_JOB_RUNNERS
