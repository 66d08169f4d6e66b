"""Every model must have the reusable CRUD × permission tests for its API and its pages (tests/utils/cases.py)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from django.apps import apps

import tests
from tests.utils.cases import REGISTRY

ESTATE_APPS = ("estate", "inventory", "discovery", "migration_plans")

# Models that deliberately have no generic CRUD API/pages, and why. Keep this short and explained.
EXEMPT: dict[str, str] = {
    "estate.token": "managed by the owner only: /user/tokens/ and /api/core/tokens/ (tests/core/test_tokens.py)",
    "estate.job": "created by starting work, not by hand: job pages and API are tested in tests/core/test_jobs*.py",
    "estate.joblogentry": "part of a job; shown on the job page and in its API",
    "inventory.finding": "derived data recomputed by findings_evaluate(), never written by hand: read-only list page "
                         "and API, tested in tests/lifecycle/test_findings.py and test_lifecycle_api.py",
    "inventory.fieldprovenance": "where a field's value came from: written by the device services and reconcile, shown "
                                 "on the device page and in the device API (tests/inventory/test_provenance.py)",
    "inventory.proposedchange": "made by discovery, never typed in: the inbox page, accept/reject in the UI and the "
                                "API are tested in tests/inventory/test_provenance.py",
    "estate.scheduleevent": "written by the scheduler; shown on schedule pages and /api/jobs/schedule-events/",
    "estate.schedulerlease": "the scheduler's leader lease: internal state, tested in tests/core/test_scheduler.py",
    "discovery.credentialsetmember": "a credential's place in a set: written through the set's ordered `credentials` "
                                     "(tests/discovery/test_crud.py)",
    "discovery.discoveryrun": "started (a scope's button, the ad hoc form, the API, the CLI), never edited or deleted: "
                              "run pages, form and API are tested in tests/discovery/test_runs_ui_api.py",
    "discovery.hostresult": "part of a run: shown on the run page and /api/discovery/runs/{id}/hosts/",
    "discovery.hostkey": "learnt by discovery (trust on first use), never typed in: list/detail/delete/re-trust pages "
                         "and API are tested in tests/discovery/test_runs_ui_api.py",
    "discovery.directorycomputer": "a directory source's record of the computers it read, written by the sync: shown "
                                   "on the source's page (tests/discovery/test_directory_dc.py)",
    "discovery.deviceaccess": "which credential last worked for a device: internal state, shown on the device page",
    "migration_plans.playbookrun": "created by running a playbook on an approved wave, never by hand: run list/detail "
                                   "pages and /api/migration-plans/runs/ are tested in "
                                   "tests/migration_plans/test_waves_e2e.py",
    "migration_plans.playbookevent": "written by the playbook job as ansible-runner streams: shown on the run page, "
                                     "its events.json refresh and /api/migration-plans/runs/{id}/events/ "
                                     "(tests/migration_plans/test_waves_e2e.py)",
}


def _import_all_tests() -> None:
    root = Path(tests.__file__).parent
    for module in pkgutil.walk_packages([str(root)], prefix="tests."):
        if module.name.rsplit(".", 1)[-1].startswith("test_") and module.name != __name__:
            try:
                importlib.import_module(module.name)
            except ImportError:
                continue  # a module with optional dependencies; its own run reports the problem


def test_every_model_has_api_and_view_crud_tests():
    _import_all_tests()
    missing = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in ESTATE_APPS or model._meta.auto_created or label in EXEMPT:
            continue
        for kind in ("api", "views"):
            if model not in REGISTRY[kind]:
                base = "APITestCases" if kind == "api" else "ViewTestCases"
                missing.append(f"{label} has no {kind} CRUD test (subclass {base}.CRUD)")
    assert not missing, "\n".join(missing)


def test_exemptions_name_real_models():
    labels = {m._meta.label_lower for m in apps.get_models()}
    assert set(EXEMPT) <= labels
