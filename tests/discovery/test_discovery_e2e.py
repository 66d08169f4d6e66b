"""End-to-end discovery against real agents on loopback: started from the API, the UI and the command line, run as
jobs (eager backend), reconciled into the inventory, shown on escaped pages.

The lab (one module-scoped set of agents on 127.<worker>.41.x):
  .1 switch (Cisco C9300, LLDP-MED phones behind it)   .2 Windows 10 desktop   .3 Mitel PBX   .4 APC UPS
  .5 HP printer   .6 hostile replies (<script> sysName, NUL bytes, binary, invalid UTF-8, a 32 KB string)
  .7 slow SNMP agent (answers after 6 s; the scope waits 0.5 s, on pysnmp's coarse timer ticks)
  .8 mute host (binds UDP and TCP, never answers)
  .9 Linux server over SSH (real OpenSSH, estate-test user)
Each SNMP host is its own SnmprecResponder (one .snmprec each, community COMMUNITY), so each has its own identity.
The recorded hostile.snmprec has a 1 MB sysLocation, more than a UDP datagram: here it is cut to 32 KB (the
megabyte case is the collector's, tests/discovery/test_collectors_snmp.py, where snmpsim answers tooBig).
  .10 is excluded from the scope and never contacted.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from discovery.models import Credential, CredentialSet, DeviceAccess, DiscoveryRun, HostKey, HostResult, Scope
from discovery.services import credential_save, credential_set_save
from estate.models import Job
from estate.services import object_save, token_create
from inventory.models import Device, InstalledSoftware, Manufacturer
from tests.agents.fixtures import (  # noqa: F401 - fixtures
    SNMP_FIXTURES,
    loopback,
    private_sshd,
)
from tests.agents.misc import MuteHost
from tests.agents.snmp import SNMPD, SnmpdAgent, SnmprecResponder, SnmpSimFarm, wait_snmp
from tests.agents.sshd import SshdFarm, SshHost
from tests.factories import SiteFactory, UserFactory
from tests.utils.cases import audit_entries

pytestmark = [pytest.mark.agents, pytest.mark.django_db(transaction=True)]

BLOCK = 41
COMMUNITY = "estate-e2e"
SNMP_PORT = 16100
SSH_PORT = 22220
SNMP_HOSTS = {  # name: (fixture, host octet)
    "switch": ("cisco_c9300_iosxe", 1), "desktop": ("windows10_desktop", 2), "pbx": ("mitel_mivb", 3),
    "ups": ("apc_smartups", 4), "printer": ("hp_laserjet", 5), "hostile": ("hostile", 6),
}
SLOW, MUTE, LINUX = 7, 8, 9
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@dataclass
class Lab:
    address: dict[str, str]
    linux: SshHost


def _data_dir(root: Path, fixture: str) -> Path:
    directory = root / fixture
    directory.mkdir(parents=True, exist_ok=True)
    lines = (SNMP_FIXTURES / f"{fixture}.snmprec").read_bytes().split(b"\n")
    lines = [line[:32 * 1024] for line in lines]  # what fits in one UDP datagram
    (directory / f"{COMMUNITY}.snmprec").write_bytes(b"\n".join(lines))
    return directory


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("e2e-lab")
    address = {name: loopback(BLOCK, n) for name, (_, n) in SNMP_HOSTS.items()}
    address |= {"slow": loopback(BLOCK, SLOW), "mute": loopback(BLOCK, MUTE), "linux": loopback(BLOCK, LINUX)}
    responders = [SnmprecResponder(root / f"snmp-{name}", _data_dir(root / "data", fixture),
                                   [(address[name], SNMP_PORT)]) for name, (fixture, _) in SNMP_HOSTS.items()]
    responders.append(SnmprecResponder(root / "snmp-slow", _data_dir(root / "data", "linux_ubuntu2204"),
                                       [(address["slow"], SNMP_PORT)], delay=6.0))
    with ExitStack() as stack:
        for responder in responders:
            stack.callback(responder.stop)
        with ThreadPoolExecutor(len(responders)) as pool:  # each is a Python process: start them together
            list(pool.map(SnmprecResponder.start, responders))
        stack.enter_context(MuteHost(address["mute"], udp_port=SNMP_PORT, tcp_port=SSH_PORT))
        farm = stack.enter_context(SshdFarm(root, addresses=[(address["linux"], SSH_PORT)]))
        yield Lab(address=address, linux=farm.hosts[0])


@pytest.fixture(autouse=True)
def eager_jobs(settings):
    settings.ESTATE_JOB_BACKEND = "eager"  # a run executes in-process as its transaction commits


def api_client(*perms: str) -> APIClient:
    user = UserFactory(perms=list(perms))
    _, key = token_create(user=user, write_enabled=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user = user
    return client


RUNNER_PERMS = ("discovery.view_scope", "discovery.add_discoveryrun", "discovery.view_discoveryrun",
                "discovery.view_hostkey", "discovery.change_hostkey", "inventory.view_device",
                "discovery.use_credentialset")


def credential(name: str, kind: str, secrets: dict[str, str], **fields) -> Credential:
    return credential_save(credential=Credential(name=name, kind=kind, **fields), secrets=secrets)


def credential_set(name: str, *credentials: Credential) -> CredentialSet:
    return credential_set_save(credential_set=CredentialSet(name=name, approved_networks="127.0.0.0/8"),
                               credentials=credentials)


def make_scope(name: str, site, targets: str, *sets: CredentialSet, **fields) -> Scope:
    options = {"snmp_port": SNMP_PORT, "ssh_port": SSH_PORT, "snmp_timeout": 0.5, "snmp_retries": 0,
               "ssh_timeout": 1.0, "concurrency": 20, "allow_tofu": True} | fields  # the lab's keys: first use
    scope = object_save(instance=Scope(name=name, site=site, targets=targets, **options))
    scope.credential_sets.set(sets)
    return scope


def lab_credentials(lab: Lab) -> CredentialSet:
    return credential_set(
        "Lab", credential("Lab v2c", "snmp_v2c", {"community": COMMUNITY}),
        credential("Lab ssh", "ssh_password", {"password": lab.linux.password}, username=lab.linux.username),
    )


def discover(client: APIClient, scope: Scope, *, dry_run: bool = False) -> DiscoveryRun:
    response = client.post(f"/api/discovery/scopes/{scope.pk}/discover/", {"dry_run": dry_run}, format="json")
    assert response.status_code == 202, response.content
    run = DiscoveryRun.objects.select_related("job").get(pk=response.json()["run"])
    assert run.job.status == "completed", (run.job.error, [r.error for r in HostResult.objects.filter(run=run)])
    return run


def results(run: DiscoveryRun) -> dict[str, HostResult]:
    return {r.address: r for r in HostResult.objects.filter(run=run).select_related("device", "credential")}


# --- the whole lab: classification, phones behind the switch, SSH, hostile, slow and mute, idempotence -------------


def test_lab_discovery_classifies_reconciles_and_never_duplicates(lab: Lab) -> None:
    site = SiteFactory(name="Town Hall", slug="town-hall")
    wrong = credential("Wrong community", "snmp_v2c", {"community": "not-this-one"})
    creds = lab_credentials(lab)
    credential_set_save(credential_set=creds, credentials=[wrong, *creds.ordered_credentials()])
    not_seen = Device.objects.create(name="old-fileserver", site=site, kind="server", discovery_source="snmp",
                                     last_seen="2024-01-02T03:04:05Z", first_seen="2020-01-01T00:00:00Z")
    scope = make_scope("Lab", site, f"{loopback(BLOCK, 1)}-{LINUX + 1}", creds, exclusions=loopback(BLOCK, LINUX + 1))
    client = api_client(*RUNNER_PERMS)

    started = time.monotonic()
    run = discover(client, scope)
    elapsed = time.monotonic() - started
    by_address = results(run)
    a = lab.address
    assert run.job.progress_done == run.job.progress_total == 9  # .1-.10 without the excluded .10
    assert loopback(BLOCK, LINUX + 1) not in by_address
    assert run.summary == {"created": 7, "updated": 0, "unchanged": 0, "unreachable": 2, "failed": 0}
    # slow and mute hosts: unreachable within the scope's timeouts, and the run still completed
    assert by_address[a["slow"]].action == by_address[a["mute"]].action == "unreachable"
    assert not by_address[a["mute"]].reachable
    assert elapsed < 20, elapsed

    devices = {d.name: d for d in Device.objects.select_related("manufacturer", "hardware_model", "platform")}
    kinds = {name: by_address[a[name]].device.kind for name in ("switch", "desktop", "pbx", "ups", "printer")}
    assert kinds == {"switch": "switch", "desktop": "desktop", "pbx": "pbx", "ups": "ups", "printer": "printer"}
    switch = by_address[a["switch"]].device
    assert (switch.name, switch.manufacturer.name, switch.hardware_model.model, switch.serial) == (
        "acc-sw-3f", "Cisco", "C9300-48P", "FOC2412X1AB")
    assert by_address[a["switch"]].credential.name == "Lab v2c"  # the wrong community first, then this one
    assert DeviceAccess.objects.get(device=switch, method="snmp").credential.name == "Lab v2c"
    # LLDP-MED phones behind the switch become devices, though they have no SNMP of their own
    phones = {d.serial: d for d in Device.objects.filter(kind="ip_phone").exclude(serial="")
              .select_related("manufacturer", "hardware_model")}
    assert {s: (p.manufacturer.name, p.hardware_model.model) for s, p in phones.items()} == {
        "19WZ43021178": ("Avaya", "J179"), "0004F2A1B2C3": ("Polycom", "VVX 450")}
    assert {p.discovery_source for p in phones.values()} == {"lldp"}
    # the Linux server over SSH: platform, version and its packages; its host key trusted on first use
    linux = by_address[a["linux"]]
    assert (linux.method, linux.credential.name, linux.device.kind) == ("ssh", "Lab ssh", "server")
    assert linux.device.platform is not None and linux.device.os_version
    assert InstalledSoftware.objects.filter(device=linux.device).count() > 20
    key = HostKey.objects.get(address=a["linux"], port=SSH_PORT)
    assert (key.fingerprint, key.device) == (lab.linux.host_key_fingerprint, linux.device)
    # hostile replies are stored as they came (no crash), and every page escapes them
    hostile = by_address[a["hostile"]]
    assert hostile.action == "created" and "<script>" in hostile.device.name
    browser = Client()
    browser.force_login(client.user)
    for url in (run.get_absolute_url(), hostile.device.get_absolute_url(), "/inventory/devices/"):
        page = browser.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page, url
        assert ESCAPED_SCRIPT in page, url
    assert client.get(f"/api/discovery/runs/{run.pk}/hosts/?limit=100").status_code == 200

    # the same scope again, from the UI's "Discover now": nothing new, nothing changed
    count = Device.objects.count()
    response = browser.post(f"/discovery/scopes/{scope.pk}/discover/")
    second = DiscoveryRun.objects.exclude(pk=run.pk).get()
    assert response.status_code == 302 and response["Location"] == second.get_absolute_url()
    assert second.job.status == "completed"
    changed = {r.address: (r.action, r.changes) for r in results(second).values() if r.action != "unchanged"}
    assert changed == {a["slow"]: ("unreachable", {}), a["mute"]: ("unreachable", {})}
    assert Device.objects.count() == count
    page = browser.get(second.get_absolute_url())
    assert 'role="progressbar"' in page.content.decode() and 'aria-valuenow="100"' in page.content.decode()
    # a device not seen keeps its record and its last-seen date
    not_seen.refresh_from_db()
    assert not_seen.last_seen.isoformat() == "2024-01-02T03:04:05+00:00"
    assert devices.keys() <= {d.name for d in Device.objects.all()}


def test_hand_entered_device_is_matched_by_serial_and_keeps_its_fields(lab: Lab) -> None:
    site = SiteFactory()
    apc = Manufacturer.objects.create(name="APC", slug="apc")
    ups = Device.objects.create(name="Server-room UPS", site=site, kind="ups", manufacturer=apc,
                                serial="AS1921123456", os_version="hand-set 1.0", locked_fields=["os_version"],
                                discovery_source="manual")
    scope = make_scope("UPS only", site, lab.address["ups"], lab_credentials(lab), use_ssh=False)
    run = discover(api_client(*RUNNER_PERMS), scope)
    result = results(run)[lab.address["ups"]]
    assert result.device_id == ups.pk and result.action == "updated"
    assert Device.objects.filter(serial="AS1921123456").count() == 1
    ups.refresh_from_db()
    assert (ups.name, ups.os_version, ups.discovery_source) == ("Server-room UPS", "hand-set 1.0", "manual")
    assert ups.hardware_model.model == "Smart-UPS SRT 3000"  # a blank filled in
    assert "os_version" not in result.changes and "name" not in result.changes


def test_dry_run_reports_the_diff_and_writes_nothing(lab: Lab) -> None:
    site = SiteFactory()
    a = lab.address
    scope = make_scope("Dry", site, "\n".join([a["switch"], a["printer"], a["ups"]]), lab_credentials(lab),
                       use_ssh=False)
    run = discover(api_client(*RUNNER_PERMS), scope, dry_run=True)
    by_address = results(run)
    assert run.dry_run and run.summary["created"] == 3
    assert by_address[a["printer"]].changes["kind"] == [None, "printer"]
    assert by_address[a["switch"]].device is None
    assert not Device.objects.exists() and not Manufacturer.objects.exists()
    assert not DeviceAccess.objects.exists() and not InstalledSoftware.objects.exists()


def test_the_run_summary_grows_batch_by_batch(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run page polls the run's summary: it is saved after every batch of hosts, not only at the end."""
    from discovery import jobs

    seen: list[int] = []
    progress = jobs.DiscoveryJob.progress

    def recording(self, done, total=None):
        summary = DiscoveryRun.objects.get(job_id=self.job.pk).summary or {}
        seen.append(sum(summary.values()))
        return progress(self, done, total)

    monkeypatch.setattr(jobs, "HOST_BATCH", 1)
    monkeypatch.setattr(jobs.DiscoveryJob, "progress", recording)
    a = lab.address
    scope = make_scope("Batches", SiteFactory(), "\n".join([a["switch"], a["printer"], a["ups"]]),
                       lab_credentials(lab), use_ssh=False)
    run = discover(api_client(*RUNNER_PERMS), scope, dry_run=True)
    assert sum(run.summary.values()) == 3
    assert seen[-3:] == [1, 2, 3]


# --- SSH host keys: a rogue key is refused before authentication, then re-trusted through the API -----------------


def test_changed_host_key_is_refused_before_auth_until_retrusted(private_sshd: SshdFarm) -> None:  # noqa: F811
    host = private_sshd.hosts[0]
    site = SiteFactory()
    creds = credential_set("ssh", credential("ssh key", "ssh_key", {"private_key": host.private_key},
                                             username=host.username))
    scope = make_scope("One server", site, host.address, creds, use_snmp=False)
    client = api_client(*RUNNER_PERMS)
    first = results(discover(client, scope))[host.address]
    assert first.action == "created" and first.method == "ssh"
    key = HostKey.objects.get(address=host.address)
    assert key.fingerprint == host.host_key_fingerprint

    rogue = private_sshd.swap_host_key(host.address)
    assert rogue.host_key_fingerprint != host.host_key_fingerprint
    log_before = len(private_sshd.log_text(host.address))
    second = discover(client, scope)
    refused = results(second)[host.address]
    assert refused.action == "failed" and "host key changed" in refused.error
    new_log = private_sshd.log_text(host.address)[log_before:]
    assert "Accepted" not in new_log and "Failed" not in new_log and "publickey" not in new_log, new_log
    key.refresh_from_db()
    assert (key.fingerprint, key.mismatch_fingerprint) == (host.host_key_fingerprint, rogue.host_key_fingerprint)

    response = client.post(f"/api/discovery/host-keys/{key.pk}/retrust/")
    assert response.status_code == 200, response.content
    entry = audit_entries(key, action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == client.user
    assert entry.changes_dict["fingerprint"] == [host.host_key_fingerprint, rogue.host_key_fingerprint]

    third = results(discover(client, scope))[host.address]
    assert third.action in ("unchanged", "updated") and third.device_id == first.device_id
    assert Device.objects.count() == 1


# --- a real net-snmp snmpd: SNMPv3 authPriv SHA/AES and v2c -------------------------------------------------------


class SmallViewSnmpd(SnmpdAgent):
    """The real net-snmp snmpd, showing only the system group and the interfaces table: SNMPv3 goes through
    pysnmp's pure-Python crypto, and a walk of this machine's every process and package would take minutes."""

    def start(self) -> None:
        persistent = self.workdir / "persist"
        persistent.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "snmpd.conf"
        i = self.info
        conf.write_text(
            "view small included .1.3.6.1.2.1.1\nview small included .1.3.6.1.2.1.2\n"
            f"rocommunity {i.community} 127.0.0.0/8 -V small\n"
            f'createUser {i.v3_user} SHA "{i.v3_auth_key}" AES "{i.v3_priv_key}"\n'
            f"rouser {i.v3_user} priv -V small\n"
            f"sysName {self.sys_name}\nsysLocation Estate e2e\nsysServices 72\n"
        )
        env = {"PATH": "/usr/bin:/bin", "SNMP_PERSISTENT_DIR": str(persistent), "MIBS": "", "MIBDIRS": str(persistent)}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([SNMPD, "-f", "-Lo", "-C", "-c", str(conf), "-p", str(self.workdir / "pid"),
                                          f"udp:{i.address}:{i.port}"], stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        try:
            wait_snmp([(i.address, i.port)], i.community, self.startup_timeout, self.proc, self.log, "snmpd")
        except BaseException:
            self.stop()
            raise


@pytest.fixture(scope="module")
def small_snmpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpdAgent]:
    with SmallViewSnmpd(tmp_path_factory.mktemp("e2e-snmpd"), address=loopback(BLOCK, 60), port=16161,
                        sys_name="estate-e2e-snmpd") as agent:
        yield agent


def test_snmpd_v3_auth_priv_and_v2c(small_snmpd: SnmpdAgent) -> None:
    info = small_snmpd.info
    site = SiteFactory()
    v3 = credential("snmpd v3", "snmp_v3", {"auth_key": info.v3_auth_key, "priv_key": info.v3_priv_key},
                    username=info.v3_user, security_level="authPriv", auth_protocol="sha", priv_protocol="aes")
    v2c = credential("snmpd v2c", "snmp_v2c", {"community": info.community})
    target = f"{info.address}:{info.port}"
    client = api_client(*RUNNER_PERMS)
    options = {"use_ssh": False, "snmp_timeout": 1.0, "snmp_retries": 1}  # the first v3 exchange derives keys
    first = results(discover(client, make_scope("snmpd v3", site, target, credential_set("v3", v3),
                                                **options)))[info.address]
    assert (first.action, first.credential, first.method) == ("created", v3, "snmp")
    assert first.device.name == "estate-e2e-snmpd"
    second = results(discover(client, make_scope("snmpd v2c", site, target, credential_set("v2c", v2c),
                                                 **options)))[info.address]
    assert (second.action, second.credential, second.device_id) == ("unchanged", v2c, first.device_id)
    assert DeviceAccess.objects.get(device=first.device).credential == v2c  # remembers which worked last


# --- the command line ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snmpsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpSimFarm]:
    """snmpsim of our own (the shared farm also serves the hostile megabyte file, which can keep it busy)."""
    data = tmp_path_factory.mktemp("e2e-snmpsim-data")
    shutil.copyfile(SNMP_FIXTURES / "cisco_c9300_iosxe.snmprec", data / "cisco_c9300_iosxe.snmprec")
    with SnmpSimFarm(tmp_path_factory.mktemp("e2e-snmpsim"), data, [(loopback(BLOCK, 50), SNMP_PORT)],
                     community="cisco_c9300_iosxe") as farm:
        yield farm


def test_cli_discover_prints_json(snmpsim: SnmpSimFarm) -> None:
    address, port = snmpsim.endpoints[0]
    out = io.StringIO()
    call_command("discover", address, "--port", str(port), "--community", "cisco_c9300_iosxe", "--json",
                 stdout=out, stderr=io.StringIO())
    document = json.loads(out.getvalue())
    assert document["status"] == "completed" and document["summary"]["created"] == 1
    (host,) = document["hosts"]
    assert (host["address"], host["kind"], host["manufacturer"], host["model"], host["serial"]) == (
        address, "switch", "Cisco", "C9300-48P", "FOC2412X1AB")
    run = DiscoveryRun.objects.get(pk=document["run"])
    assert run.job.started_by == "cli" and not Credential.objects.exists()  # the community was never stored
    assert results(run)[address].credential is None


def test_impossible_scope_is_refused_by_the_cli_and_nothing_is_created() -> None:
    for target in ("10.0.0.0/8", "224.0.0.1", "0.0.0.0", "255.255.255.255"):
        with pytest.raises(Exception, match="limit|multicast|unspecified|broadcast"):
            call_command("discover", target, "--community", "x", stdout=io.StringIO())
    assert not DiscoveryRun.objects.exists() and not Job.objects.exists()


# --- secrets never leak -------------------------------------------------------------------------------------------

CANARIES = {
    "community": "canary-community-7f3a9e",
    "cli_community": "canary-cli-community-8e21",
    "password": "canary-password-91ab4c",
    "passphrase": "canary-passphrase-77d0",
    "auth_key": "canary-authkey-3c5d",
    "priv_key": "canary-privkey-4d6e",
}


def _database_text() -> str:
    """Every row of every table, as text."""
    from django.db import connection

    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema itself
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_secrets_never_leak(lab: Lab, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    a = lab.address
    site = SiteFactory(slug="leak-lab")
    key_body = lab.linux.private_key.splitlines()[2]  # a line of the real private key: secret too
    creds = credential_set(
        "Canaries first",
        credential("canary v3", "snmp_v3", {"auth_key": CANARIES["auth_key"], "priv_key": CANARIES["priv_key"]},
                   username="canary", security_level="authPriv", auth_protocol="sha256", priv_protocol="aes"),
        credential("canary v2c", "snmp_v2c", {"community": CANARIES["community"]}),
        credential("real v2c", "snmp_v2c", {"community": COMMUNITY}),
        credential("canary ssh", "ssh_password", {"password": CANARIES["password"]}, username=lab.linux.username),
        credential("real ssh key", "ssh_key", {"private_key": lab.linux.private_key,
                                               "passphrase": CANARIES["passphrase"]}, username=lab.linux.username),
    )
    scope = make_scope("Leak", site, f"{a['switch']}\n{a['linux']}", creds)
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = api_client()
    client.force_authenticate(admin)
    run = discover(client, scope)
    by_address = results(run)
    assert by_address[a["switch"]].credential.name == "real v2c"  # the canaries were tried first, and failed
    assert by_address[a["linux"]].credential.name == "real ssh key"
    assert "Failed password" in lab.linux.log_path.read_text(errors="replace")  # the canary password was offered
    out = io.StringIO()
    call_command("discover", a["switch"], "--port", str(SNMP_PORT), "--community", CANARIES["cli_community"],
                 "--community", COMMUNITY, "--site", site.slug, "--json", stdout=out, stderr=out)
    cli = json.loads(out.getvalue()[out.getvalue().index("{"):])
    assert cli["status"] == "completed" and cli["hosts"][0]["action"] == "unchanged"

    texts = [out.getvalue(), caplog.text]
    api = ["/api/discovery/credentials/", "/api/discovery/credential-sets/", "/api/discovery/scopes/",
           "/api/discovery/runs/", "/api/discovery/host-keys/", "/api/core/changes/?limit=1000", "/api/jobs/"]
    for credential_pk in Credential.objects.values_list("pk", flat=True):
        api.append(f"/api/discovery/credentials/{credential_pk}/")
    browser = Client()
    browser.force_login(admin)
    pages = ["/discovery/credentials/", "/discovery/credential-sets/", "/discovery/scopes/", "/discovery/runs/",
             "/discovery/host-keys/", "/changelog/", f"/discovery/scopes/{scope.pk}/"]
    for credential_pk in Credential.objects.values_list("pk", flat=True):
        pages += [f"/discovery/credentials/{credential_pk}/", f"/discovery/credentials/{credential_pk}/edit/"]
    for each in DiscoveryRun.objects.all():
        api += [f"/api/discovery/runs/{each.pk}/", f"/api/discovery/runs/{each.pk}/hosts/",
                f"/api/discovery/runs/{each.pk}/log/", f"/api/jobs/{each.job_id}/"]
        pages += [each.get_absolute_url(), f"/discovery/runs/{each.pk}/status.json", f"/jobs/{each.job_id}/"]
    pages += [d.get_absolute_url() for d in Device.objects.all()[:20]]
    for url in api:
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    for url in pages:
        response = browser.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    texts.append(_database_text())  # jobs, job logs and results, host results, audit history, everything
    everything = "\n".join(texts)
    assert "real ssh key" in everything and "Summary:" in everything  # the search does see pages, logs and rows
    for name, canary in {**CANARIES, "private key": key_body}.items():
        assert canary not in everything, f"the {name} leaked"
    assert "canary" not in caplog.text.lower()
    # at rest: Fernet tokens only
    for token in Credential.objects.values_list("secret_data", flat=True):
        assert token.startswith("gAAAAA")
