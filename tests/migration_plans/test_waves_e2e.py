"""A wave end to end against real OpenSSH hosts on loopback: built from a filtered inventory list, approved, its
playbooks run through ansible-runner as jobs (eager backend), item states, RAG and the programme dashboard following.

The lab (module-scoped, 127.<worker>.62.x): three sshd hosts (.1 .2 .3, the estate-test user, one host key each) and
.9 where nothing listens. The three sshds run on this one machine, so to discovery they would all be the same host
(same hostname, same MACs) and the verifying re-discovery would fold them into one device. Each sshd therefore gives
its sessions a PATH (sshd_config SetEnv) whose `hostname` and `ip` report that host's own name and MAC, as three
real servers would.

Secrets: the SSH credential is a key encrypted with a per-session canary passphrase; a second credential has a
canary password (wrong, so its run fails auth). After the runs, neither canary may appear anywhere: run directories
and artifacts, events, runs, jobs and their logs, the audit history, API responses, pages or captured logs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from discovery.models import Credential, DiscoveryRun, HostResult
from discovery.services import credential_save, host_key_record
from estate.models import Job, JobLogEntry
from estate.services import token_create
from inventory.models import Dependency, Device
from migration_plans.models import PlaybookEvent, PlaybookRun, Programme, Wave, WaveItem
from tests.agents.fixtures import loopback
from tests.agents.sshd import SSHD, SshdFarm, SshHost
from tests.factories import BudgetLineFactory, SavingsForecastFactory, SiteFactory, UserFactory
from tests.utils.cases import audit_entries

pytestmark = [pytest.mark.agents, pytest.mark.django_db(transaction=True)]

BLOCK = 62
SSH_PORT = 22220
NAMES = ("app-01", "app-02", "app-03")
CANARY_PASSPHRASE = f"canary-pp-{uuid.uuid4().hex}"
CANARY_PASSWORD = f"canary-pw-{uuid.uuid4().hex}"


# --- the lab -------------------------------------------------------------------------------------------------------


class IdentitySshdFarm(SshdFarm):
    """SshdFarm whose sshds append extra sshd_config lines (here: SetEnv PATH=<this host's identity dir>:…)."""

    def __init__(self, *args, extra_config: dict[str, list[str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.extra_config = extra_config

    def _start_one(self, name, listen, new_key):
        super()._start_one(name, listen, new_key)
        if name not in self.extra_config:
            return
        self._stop_proc(name)
        config = self._dir(name) / "sshd_config"
        config.write_text(config.read_text() + "".join(f"{line}\n" for line in self.extra_config[name]))
        log = self._dir(name) / "sshd.log"
        self._procs[name] = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config), "-E", str(log)],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                             start_new_session=True)


def _identity_dir(root: Path, name: str, address: str, n: int) -> Path:
    """`hostname` and `ip -o link/addr show` as a distinct server would answer; everything else is the real thing."""
    directory = root / name
    directory.mkdir(parents=True)
    real_ip = shutil.which("ip") or "/usr/sbin/ip"
    mac = f"02:00:5e:{BLOCK:02x}:00:{n:02x}"
    scripts = {
        "hostname": f"#!/bin/sh\necho {name}\n",
        "ip": (
            "#!/bin/sh\n"
            'case "$*" in\n'
            "  '-o link show')\n"
            "    echo '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default"
            " qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00'\n"
            "    echo '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group"
            f" default qlen 1000\\    link/ether {mac} brd ff:ff:ff:ff:ff:ff' ;;\n"
            "  '-o addr show')\n"
            "    echo '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever'\n"
            f"    echo '2: eth0    inet {address}/24 scope global eth0\\       valid_lft forever preferred_lft forever'"
            " ;;\n"
            f'  *) exec {real_ip} "$@" ;;\n'
            "esac\n"
        ),
    }
    for script, text in scripts.items():
        (directory / script).write_text(text)
        (directory / script).chmod(0o755)
    return directory


@dataclass
class Lab:
    hosts: list[SshHost]
    public_keys: dict[str, str]  # address -> "ssh-ed25519 AAAA…" as the host presents it
    unreachable: str
    key_text: str  # the farm's client key, unencrypted
    encrypted_key_text: str  # the same key, encrypted with CANARY_PASSPHRASE


def _public_key(address: str, port: int) -> str:
    """The host key line the server presents (what discovery records), fetched over the wire."""
    from discovery.collectors.ssh import _connect

    transport, key = _connect(address, port, 5.0, "ssh-ed25519")
    transport.close()
    return f"{key.get_name()} {key.get_base64()}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("waves-lab")
    addresses = [loopback(BLOCK, n) for n in (1, 2, 3)]
    ident_root = Path(tempfile.mkdtemp(prefix="estate-ident-"))  # readable by the test user (tmp_path is not)
    ident_root.chmod(0o755)
    try:
        extra = {}
        for n, (name, address) in enumerate(zip(NAMES, addresses, strict=True), start=1):
            directory = _identity_dir(ident_root, name, address, n)
            extra[address] = [f"SetEnv PATH={directory}:/usr/local/bin:/usr/bin:/bin"]
        with IdentitySshdFarm(root, addresses=[(a, SSH_PORT) for a in addresses], extra_config=extra) as farm:
            key_copy = root / "client_enc"
            key_copy.write_text(farm.hosts[0].private_key)
            key_copy.chmod(0o600)
            subprocess.run(["ssh-keygen", "-q", "-p", "-N", CANARY_PASSPHRASE, "-f", str(key_copy)], check=True,
                           capture_output=True)
            yield Lab(hosts=farm.hosts, public_keys={h.address: _public_key(h.address, h.port) for h in farm.hosts},
                      unreachable=loopback(BLOCK, 9), key_text=farm.hosts[0].private_key,
                      encrypted_key_text=key_copy.read_text())
    finally:
        shutil.rmtree(ident_root, ignore_errors=True)


@pytest.fixture(autouse=True)
def eager_jobs(settings, tmp_path):
    settings.ESTATE_JOB_BACKEND = "eager"  # a run executes in-process as its transaction commits
    settings.VAR_DIR = tmp_path / "var"  # run directories of this test only, to search for canaries


# --- helpers -------------------------------------------------------------------------------------------------------


class Seen:
    """Every response body fetched, for the canary search."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def __call__(self, response):
        self.bodies.append(response.content if not getattr(response, "streaming", False)
                           else b"".join(response.streaming_content))
        return response


def api_client(*perms: str) -> APIClient:
    user = UserFactory(perms=list(perms))
    _, key = token_create(user=user, write_enabled=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user = user
    return client


def ui_client(*perms: str) -> Client:
    client = Client()
    client.user = UserFactory(perms=list(perms))
    client.force_login(client.user)
    return client


PLANNER_PERMS = ("migration_plans.view_wave", "migration_plans.change_wave", "migration_plans.add_waveitem",
                 "migration_plans.view_waveitem", "migration_plans.add_playbookrun",
                 "migration_plans.view_playbookrun", "migration_plans.view_programme", "inventory.view_device",
                 "estate.view_job", "estate.change_job")


def record_host_keys(lab: Lab, devices: dict[str, Device]) -> None:
    """The host keys as discovery records them (trust on first use), public key line included."""
    for host, device in zip(lab.hosts, devices.values(), strict=True):
        key_type, _ = lab.public_keys[host.address].split()
        host_key_record(address=host.address, port=host.port, key_type=key_type,
                        fingerprint=host.host_key_fingerprint, public_key=lab.public_keys[host.address], run=None,
                        device=device)


def key_credential(lab: Lab) -> Credential:
    return credential_save(credential=Credential(name="Wave ssh key", kind="ssh_key", username=lab.hosts[0].username),
                           secrets={"private_key": lab.encrypted_key_text, "passphrase": CANARY_PASSPHRASE})


def start_run(client: APIClient, wave: Wave, seen: Seen, **body) -> PlaybookRun:
    response = seen(client.post(f"/api/migration-plans/waves/{wave.pk}/run/", body, format="json"))
    assert response.status_code == 202, response.content
    return PlaybookRun.objects.select_related("job").get(pk=response.json()["id"])


def states(wave: Wave) -> dict[str, str]:
    return {i.device.name: i.state for i in WaveItem.objects.filter(wave=wave).select_related("device")}


def make_wave(programme: Programme, name: str) -> Wave:
    today = timezone.localdate()
    return Wave.objects.create(programme=programme, name=name, kind="cloud_migration", planned_start=today,
                               planned_end=today + timedelta(days=30))


def assert_no_canary(canaries: list[str], *, var_dir: Path, texts: list[bytes | str]) -> None:
    """The canaries appear in no file under var_dir, no stored row that a run, a job or the audit touches, and none
    of the texts given (responses, pages, logs)."""
    needles = [c.encode() for c in canaries]
    files = 0
    for dirpath, _dirs, names in os.walk(var_dir):
        for name in names:
            path = Path(dirpath) / name
            if not stat.S_ISREG(path.lstat().st_mode):
                continue
            files += 1
            data = path.read_bytes()
            assert not any(n in data for n in needles), f"canary in {path}"
    assert files > 10, "the run directories were not where expected"
    rows = {
        "events": PlaybookEvent.objects.values(),
        "runs": PlaybookRun.objects.values(),
        "jobs": Job.objects.values(),
        "job log": JobLogEntry.objects.values(),
        "audit": LogEntry.objects.values(),
        "discovery runs": DiscoveryRun.objects.values(),
        "host results": HostResult.objects.values(),
        "items": WaveItem.objects.values(),
    }
    for where, queryset in rows.items():
        dumped = json.dumps(list(queryset), default=str).encode()
        assert not any(n in dumped for n in needles), f"canary in {where}"
    for text in texts:
        data = text.encode() if isinstance(text, str) else text
        assert not any(n in data for n in needles), f"canary in {data[:200]!r}"


# --- the story: inventory → wave → approval → check mode → precheck → validate → verified → complete, blue ---------


def test_wave_from_inventory_to_completed(lab: Lab, settings, caplog, capfd) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="factory")
    seen = Seen()
    town_hall, depot = SiteFactory(name="Town Hall", slug="town-hall"), SiteFactory(name="Depot", slug="depot")
    devices = {name: Device.objects.create(name=name, kind="server", site=town_hall, primary_ip=host.address)
               for name, host in zip(NAMES, lab.hosts, strict=True)}
    Device.objects.create(name="desk-01", kind="desktop", site=town_hall, primary_ip=loopback(BLOCK, 20))
    Device.objects.create(name="depot-01", kind="server", site=depot, primary_ip=loopback(BLOCK, 21))
    sql = Device.objects.create(name="sql-01", kind="server", site=depot)
    Dependency.objects.create(source_device=devices["app-01"], target_device=sql, port=1433)
    record_host_keys(lab, devices)
    credential = key_credential(lab)
    programme = Programme.objects.create(name="Cloud first", slug="cloud-first")
    BudgetLineFactory(programme=programme, financial_year="2026/27", description="Landing zone", planned=120000,
                      actual=30000)
    SavingsForecastFactory(programme=programme, financial_year="2027/28", description="Data centre", forecast=45000)
    wave = make_wave(programme, "Wave 1: app servers")
    planner = ui_client(*PLANNER_PERMS)
    api = api_client(*PLANNER_PERMS)

    # Built from a filtered device list: every server at the Town Hall (not the desktop, not the depot's server).
    url = reverse("migration_plans:add_devices")
    page = seen(planner.get(url, {"kind": "server", "site": "town-hall"}))
    assert page.status_code == 200 and page.context["count"] == 3
    response = seen(planner.post(url, {"_apply": "1", "query": "kind=server&site=town-hall", "wave": wave.pk,
                                       "strategy": "rehost", "target_provider": "Microsoft Azure",
                                       "target_region": "UK South"}))
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert states(wave) == dict.fromkeys(NAMES, "planned")

    # The dependency on a device in no wave is flagged, on the page and in the API.
    warning = "app-01 depends on sql-01 (tcp/1433), which is in no wave."
    page = seen(planner.get(wave.get_absolute_url()))
    assert warning in page.content.decode()
    body = seen(api.get(f"/api/migration-plans/waves/{wave.pk}/dependency-warnings/")).json()
    assert warning in body["warnings"]

    # No run before approval: refused by the page and by the API, and nothing is started.
    response = seen(planner.post(reverse("migration_plans:wave_run_playbook", kwargs={"pk": wave.pk}),
                                 {"playbook": "precheck.yml", "check_mode": "on", "credential": credential.pk,
                                  "extravars": "{}"}, follow=True))
    assert "Approve the wave before running its playbooks." in response.content.decode()
    response = seen(api.post(f"/api/migration-plans/waves/{wave.pk}/run/", {"playbook": "precheck.yml"},
                             format="json"))
    assert response.status_code == 400 and "Approve the wave" in response.content.decode()
    assert not PlaybookRun.objects.exists() and not Job.objects.filter(kind="playbook").exists()

    # Approval, from the page: audited with who and when; the wave is scheduled and on track.
    response = seen(planner.post(reverse("migration_plans:wave_approve", kwargs={"pk": wave.pk})))
    assert response.status_code == 302
    wave.refresh_from_db()
    assert wave.is_approved and wave.approved_by == planner.user and wave.status == "scheduled"
    entry = audit_entries(wave, action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == planner.user and "approved_at" in entry.changes_dict and entry.cid
    rag = seen(api.get(f"/api/migration-plans/waves/{wave.pk}/")).json()["rag"]
    assert rag["value"] == "green", rag

    # Precheck in check mode: events stored, job completed, no item moves.
    run = start_run(api, wave, seen, playbook="precheck.yml", check_mode=True, credential=credential.pk)
    run.job.refresh_from_db()
    assert run.job.status == "completed", (run.job.error, list(run.job.log_entries.values_list("message", flat=True)))
    assert run.check_mode and run.events.count() > 20
    assert run.events.filter(event="playbook_on_stats").exists()
    assert {s["status"] for s in run.host_stats.values()} == {"ok"}, run.host_stats
    assert states(wave) == dict.fromkeys(NAMES, "planned")
    assert all("(check mode): ok" in i.last_result for i in wave.items.all())
    wave.refresh_from_db()
    assert wave.status == "scheduled"  # a dry run does not start the wave

    # Precheck for real, from the page: items ready, the wave in progress.
    response = seen(planner.post(reverse("migration_plans:wave_run_playbook", kwargs={"pk": wave.pk}),
                                 {"playbook": "precheck.yml", "credential": credential.pk,
                                  "extravars": json.dumps({"min_free_mb": 1})}))
    run = PlaybookRun.objects.select_related("job").latest("pk")
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert run.job.status == "completed", run.job.error
    assert states(wave) == dict.fromkeys(NAMES, "ready")
    assert set(run.reported) >= {d.name for d in devices.values()}
    assert all(r["checks"]["disk"] for name, r in run.reported.items() if name != "_run")
    wave.refresh_from_db()
    assert wave.status == "in_progress"

    # Validate for real: items validated, then the verifying re-discovery finds each device and marks it done.
    run = start_run(api, wave, seen, playbook="validate.yml", credential=credential.pk)
    run.job.refresh_from_db()
    assert run.job.status == "completed", run.job.error
    discovery = DiscoveryRun.objects.select_related("job").get(pk=run.job.result["verification_run"])
    assert discovery.job.status == "completed", discovery.job.error
    by_address = {r.address: r for r in discovery.host_results.select_related("device")}
    assert {a: r.device.name for a, r in by_address.items()} == {h.address: n for h, n in zip(lab.hosts, NAMES,
                                                                                              strict=True)}
    assert states(wave) == dict.fromkeys(NAMES, "done")
    assert all(f"verified by discovery run #{discovery.pk}" in i.last_result for i in wave.items.all())
    wave.refresh_from_db()
    assert wave.status == "completed"
    body = seen(api.get(f"/api/migration-plans/waves/{wave.pk}/")).json()
    assert body["rag"]["value"] == "blue" and body["progress"]["percent"] == 100
    # every step of every item is in the audit history
    item = wave.items.get(device=devices["app-02"])
    walked = [e.changes_dict["state"][1] for e in audit_entries(item, action=LogEntry.Action.UPDATE).order_by("pk")
              if "state" in e.changes_dict]
    assert walked == ["ready", "in_progress", "validated", "done"]

    # The programme dashboard: page, API, exports and the printable report.
    dashboard = reverse("migration_plans:dashboard")
    page = seen(planner.get(dashboard, {"programme": "cloud-first"})).content.decode()
    assert wave.name in page and "rag-blue" in page and "£120,000.00" in page and "£45,000.00" in page
    body = seen(api.get("/api/migration-plans/dashboard/", {"programme": "cloud-first"})).json()
    row = next(w for w in body["waves"] if w["id"] == wave.pk)
    assert (row["rag"], row["status"], row["items"], row["done"], row["percent"]) == ("blue", "completed", 3, 3, 100)
    assert body["rag_counts"]["blue"] == 1
    assert body["budget"] == [{"financial_year": "2026/27", "category": "capital", "planned": "120000.00",
                               "actual": "30000.00", "variance": "90000.00",
                               "variance_text": "£90,000.00 under budget"}]
    assert body["savings"] == [{"financial_year": "2027/28", "forecast": "45000.00", "realised": None}]
    this_month = timezone.localdate().strftime("%b %Y")
    assert [p["actual"] for p in body["burndown"] if p["month"] == this_month] == [0]  # all three done this month
    csv = seen(planner.get(dashboard, {"programme": "cloud-first", "export": "csv"})).content.decode()
    assert wave.name in csv and ",blue," in csv
    xlsx = seen(planner.get(dashboard, {"export": "xlsx"}))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    printable = seen(planner.get(dashboard, {"programme": "cloud-first", "print": "1"})).content.decode()
    assert "estate/print.js" in printable and "chart-burndown\"" not in printable and wave.name in printable

    # A wrong canary password: every host refuses it, the run fails, and the password leaks nowhere either.
    password_credential = credential_save(
        credential=Credential(name="Wrong password", kind="ssh_password", username=lab.hosts[0].username),
        secrets={"password": CANARY_PASSWORD})
    run = start_run(api, wave, seen, playbook="precheck.yml", check_mode=True, credential=password_credential.pk)
    run.job.refresh_from_db()
    assert run.job.status == "failed" and "3 of 3 host(s) failed or were unreachable" in run.job.error
    assert {s["status"] for s in run.host_stats.values()} == {"unreachable"}

    # The runs' pages and API, then the canary search over everything.
    for run in PlaybookRun.objects.all():
        seen(planner.get(run.get_absolute_url()))
        seen(planner.get(reverse("migration_plans:playbookrun_events", kwargs={"pk": run.pk}), {"after": 0}))
        seen(api.get(f"/api/migration-plans/runs/{run.pk}/"))
        seen(api.get(f"/api/migration-plans/runs/{run.pk}/events/", {"limit": 1000}))
        seen(api.get(f"/api/jobs/{run.job_id}/"))
        seen(planner.get(reverse("job_status", kwargs={"pk": run.job_id})))
    seen(api.get("/api/migration-plans/runs/"))
    seen(api.get(f"/api/migration-plans/items/?wave_id={wave.pk}"))
    out, err = capfd.readouterr()
    secrets = [CANARY_PASSPHRASE, CANARY_PASSWORD]
    secrets += [line for line in lab.encrypted_key_text.splitlines()[1:-1] if len(line) >= 40]
    secrets += [line for line in lab.key_text.splitlines()[1:-1] if len(line) >= 40]
    assert_no_canary(secrets, var_dir=Path(settings.VAR_DIR), texts=[*seen.bodies, caplog.text, out, err])


# --- trouble: a failing host, an unreachable one, and a cancel mid-run ----------------------------------------------


def test_failing_and_unreachable_hosts_are_rag_exceptions_and_a_cancel_fails_its_items(lab: Lab, settings, caplog,
                                                                                       monkeypatch) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="factory")
    seen = Seen()
    depot = SiteFactory(name="Depot", slug="depot")
    annex = SiteFactory(name="Annex", slug="annex")
    devices = {name: Device.objects.create(name=name, kind="server", site=annex if name == "app-03" else depot,
                                           primary_ip=host.address)
               for name, host in zip(NAMES, lab.hosts, strict=True)}
    lost = Device.objects.create(name="lost-01", kind="server", site=annex, primary_ip=lab.unreachable)
    record_host_keys(lab, devices)
    credential = key_credential(lab)
    wave = make_wave(Programme.objects.create(name="Depot exit", slug="depot-exit"), "Wave 2: depot")
    api = api_client(*PLANNER_PERMS)

    # Built through the API: by filter (two of the depot's servers), and by id (the one nobody can reach).
    response = seen(api.post(f"/api/migration-plans/waves/{wave.pk}/add-devices/",
                             {"filters": {"site": "depot", "kind": "server"}, "strategy": "rehost",
                              "target_provider": "AWS"}, format="json"))
    assert response.json() == {"added": 2, "skipped": 0}, response.content
    response = seen(api.post(f"/api/migration-plans/waves/{wave.pk}/add-devices/",
                             {"device_ids": [lost.pk], "strategy": "rehost", "target_provider": "AWS"},
                             format="json"))
    assert response.json() == {"added": 1, "skipped": 0}
    assert set(states(wave)) == {"app-01", "app-02", "lost-01"}
    assert seen(api.post(f"/api/migration-plans/waves/{wave.pk}/approve/", {}, format="json")).status_code == 200

    # app-02 fails its disk check (a host-specific condition), lost-01 is unreachable, app-01 is fine.
    failing = devices["app-02"].name  # Ansible names hosts by device name
    run = start_run(api, wave, seen, playbook="precheck.yml", credential=credential.pk,
                    extravars={"min_free_mb": f"{{{{ 999999999 if inventory_hostname == '{failing}' else 1 }}}}"})
    run.job.refresh_from_db()
    assert run.job.status == "failed" and "2 of 3 host(s) failed or were unreachable" in run.job.error
    assert states(wave) == {"app-01": "ready", "app-02": "failed", "lost-01": "failed"}
    items = {i.device.name: i for i in wave.items.select_related("device")}
    assert "disk: / has" in items["app-02"].last_result and "need 999999999 MiB" in items["app-02"].last_result
    assert "unreachable" in items["lost-01"].last_result
    assert run.host_stats[lost.name]["status"] == "unreachable"
    assert run.host_stats[failing]["status"] == "failed"
    body = seen(api.get(f"/api/migration-plans/waves/{wave.pk}/")).json()
    # in delivery (green), with the failures as exceptions beside it, not hidden behind it
    assert body["rag"]["value"] == "green" and "2 item(s) failed or rolled back." in body["rag"]["exceptions"]
    assert "The last run (Pre-checks) could not reach 1 host(s)." in body["rag"]["exceptions"]
    body = seen(api.get("/api/migration-plans/dashboard/")).json()
    row = next(w for w in body["waves"] if w["id"] == wave.pk)
    assert row["rag"] == "green" and "2 item(s) failed or rolled back." in row["rag_exceptions"]

    # A cancel while a slow task runs (a port probe that would wait a minute), from another thread through the API:
    # the job ends cancelled, and its items end failed ("cancelled"), none left in progress.
    canceller = api_client("estate.view_job", "estate.change_job")
    cancel_result: dict = {}

    def cancel_when_slow(job_id: int, run_id: int) -> None:
        from django.db import connection

        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if PlaybookEvent.objects.filter(run_id=run_id, task="Probe listening ports").exists():
                        time.sleep(0.5)
                        cancel_result["response"] = canceller.post(f"/api/jobs/{job_id}/cancel/")
                        return
                except OperationalError:  # the in-memory test database's table lock: try again
                    pass
                time.sleep(0.2)
            cancel_result["error"] = "the slow task never showed up in the stored events"
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            cancel_result["error"] = repr(exc)
        finally:
            connection.close()

    from estate.jobs import backends

    original_dispatch = backends.dispatch

    def dispatch_with_canceller(job):
        if job.kind == "playbook":  # the eager backend runs the job right here: watch it from another thread
            run_id = PlaybookRun.objects.get(job=job).pk
            threading.Thread(target=cancel_when_slow, args=(job.pk, run_id), daemon=True).start()
        original_dispatch(job)

    monkeypatch.setattr(backends, "dispatch", dispatch_with_canceller)
    started = time.monotonic()
    run = start_run(api, wave, seen, playbook="validate.yml", credential=credential.pk,
                    item_ids=[items["app-01"].pk, items["app-02"].pk],
                    extravars={"expected_ports": [1], "probe_timeout": 60})
    elapsed = time.monotonic() - started
    run.job.refresh_from_db()
    assert "response" in cancel_result, cancel_result
    assert cancel_result["response"].status_code == 200, cancel_result["response"].content
    assert run.job.status == "cancelled", (run.job.status, run.job.error)
    assert elapsed < 45, f"the cancel took {elapsed:.0f} s"
    assert states(wave) == {"app-01": "failed", "app-02": "failed", "lost-01": "failed"}
    items = {i.device.name: i for i in wave.items.select_related("device")}
    assert "cancelled before this host finished" in items["app-01"].last_result
    assert not WaveItem.objects.filter(state="in_progress").exists()
    assert run.events.filter(task="Probe listening ports").exists()
    assert_no_canary([CANARY_PASSPHRASE], var_dir=Path(settings.VAR_DIR), texts=[*seen.bodies, caplog.text])


# --- run pages and API: permissions ----------------------------------------------------------------------------------


def test_run_pages_and_api_need_their_permissions(lab: Lab) -> None:
    site = SiteFactory(slug="annex")
    device = Device.objects.create(name="app-01", kind="server", site=site, primary_ip=lab.hosts[0].address)
    host = lab.hosts[0]
    host_key_record(address=host.address, port=host.port, key_type="ssh-ed25519", run=None, device=device,
                    fingerprint=host.host_key_fingerprint, public_key=lab.public_keys[host.address])
    credential = key_credential(lab)
    wave = make_wave(Programme.objects.create(name="Annex", slug="annex"), "Annex wave")
    WaveItem.objects.create(wave=wave, device=device, strategy="rehost", target_provider="Azure")
    Wave.objects.filter(pk=wave.pk).update(approved_at=timezone.now())
    wave.refresh_from_db()
    run = start_run(api_client("migration_plans.view_wave", "migration_plans.add_playbookrun"), wave, Seen(),
                    playbook="precheck.yml", check_mode=True, credential=credential.pk)
    run.job.refresh_from_db()
    assert run.job.status == "completed", run.job.error
    events = run.events.count()
    assert events > 10

    pages = [reverse("migration_plans:playbookrun_list"), run.get_absolute_url(),
             reverse("migration_plans:playbookrun_events", kwargs={"pk": run.pk})]
    for url in pages:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
        assert ui_client().get(url).status_code == 403, url
    viewer = ui_client("migration_plans.view_playbookrun")
    page = viewer.get(pages[0])
    assert page.status_code == 200 and run.get_absolute_url() in page.content.decode()
    page = viewer.get(pages[1]).content.decode()
    assert "playbook_on_stats" in page and device.name in page and "Pre-checks" in page
    body = viewer.get(pages[2], {"after": 0}).json()
    assert body["finished"] and body["status"] == "completed" and len(body["events"]) == min(events, 500)
    assert body["host_stats"][device.name]["status"] == "ok"
    last = body["last"]
    assert viewer.get(pages[2], {"after": last}).json()["events"] == []
    assert viewer.get(pages[2], {"after": "junk"}).status_code == 200
    for fmt in ("csv", "xlsx"):
        assert viewer.get(pages[0], {"export": fmt}).status_code == 200

    api = "/api/migration-plans/runs/"
    assert APIClient().get(api).status_code in (401, 403)
    nobody = api_client()
    for url in (api, f"{api}{run.pk}/", f"{api}{run.pk}/events/"):
        assert nobody.get(url).status_code == 403, url
    reader = api_client("migration_plans.view_playbookrun")
    body = reader.get(api).json()
    assert [r["id"] for r in body["results"]] == [run.pk]
    detail = reader.get(f"{api}{run.pk}/").json()
    assert (detail["playbook"], detail["check_mode"], detail["status"]) == ("precheck.yml", True, "completed")
    assert detail["item_ids"] == list(wave.items.values_list("pk", flat=True))
    page1 = reader.get(f"{api}{run.pk}/events/", {"limit": 5}).json()
    assert page1["count"] == events and [e["counter"] for e in page1["results"]] == sorted(
        e["counter"] for e in page1["results"])
    after = page1["results"][-1]["counter"]
    rest = reader.get(f"{api}{run.pk}/events/", {"after": after, "limit": 1000}).json()
    assert rest["count"] == run.events.filter(counter__gt=after).count()
    # not CRUD by hand: runs are started on a wave
    writer = api_client("migration_plans.view_playbookrun", "migration_plans.add_playbookrun",
                        "migration_plans.change_playbookrun", "migration_plans.delete_playbookrun")
    assert writer.post(api, {"wave": wave.pk, "playbook": "precheck.yml"}, format="json").status_code == 405
    assert writer.delete(f"{api}{run.pk}/").status_code == 405
    # starting one needs add_playbookrun
    response = api_client("migration_plans.view_wave").post(f"/api/migration-plans/waves/{wave.pk}/run/",
                                                            {"playbook": "precheck.yml"}, format="json")
    assert response.status_code == 403
    assert PlaybookRun.objects.count() == 1
