"""Discovery trust, for real, on loopback: excluded addresses get no packet from any kind of run (ad hoc through the
API, the page and the command line; a scope's "Discover now"; a schedule), counted by UDP listeners; a name that
resolves to an excluded address, or outside a credential set's approved networks, is skipped; an SSH host whose
key is unknown is offered no password unless the run allows trust on first use (a real sshd's log says so).

Run under the shared lock: flock /tmp/estate-agents.lock .venv/bin/pytest tests/discovery/test_trust_runs.py"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from discovery.models import DiscoveryRun, HostKey, HostResult, Scope
from estate.jobs.services import schedule_fire
from estate.models import Schedule
from tests.agents.fixtures import loopback, private_sshd  # noqa: F401 - fixtures
from tests.agents.sshd import SshdFarm
from tests.discovery.test_runs_ui_api import api_client
from tests.factories import CredentialFactory, CredentialSetFactory, ScopeFactory, SiteFactory, UserFactory

pytestmark = [pytest.mark.agents, pytest.mark.django_db(transaction=True)]

BLOCK = 88
PORT = 16188
RUN = ("discovery.add_discoveryrun", "discovery.view_discoveryrun", "discovery.use_credentialset",
       "discovery.view_scope")


class UdpCounter:
    """Counts the datagrams that reach one loopback address and port (and never answers)."""

    def __init__(self, address: str, port: int = PORT) -> None:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((address, port))
        self.sock.settimeout(0.1)
        self.packets = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._count, daemon=True)
        self._thread.start()

    def _count(self) -> None:
        while not self._stop.is_set():
            try:
                self.sock.recvfrom(65535)
                self.packets += 1
            except TimeoutError:
                continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(autouse=True)
def eager_jobs(settings):
    settings.ESTATE_JOB_BACKEND = "eager"  # a run executes in-process as its transaction commits


@pytest.fixture
def counters() -> Iterator[dict[str, UdpCounter]]:
    """Three listeners: .1 and .2 are excluded in the tests below, .3 is probed (proof the run really ran)."""
    made = {n: UdpCounter(loopback(BLOCK, n)) for n in (1, 2, 3)}
    yield {loopback(BLOCK, n): c for n, c in made.items()}
    for counter in made.values():
        counter.close()


def counts(counters: dict[str, UdpCounter]) -> dict[str, int]:
    return {address: counter.packets for address, counter in counters.items()}


def snmp_set(**fields):
    return CredentialSetFactory(credentials=[CredentialFactory(secrets={"community": "estate-trust"})], **fields)


def addresses() -> tuple[str, str, str]:
    return loopback(BLOCK, 1), loopback(BLOCK, 2), loopback(BLOCK, 3)


def test_ad_hoc_runs_never_probe_their_exclusions(counters) -> None:
    excluded, _, probed = addresses()
    site, cset = SiteFactory(), snmp_set()
    targets = [f"{excluded}:{PORT}", f"{probed}:{PORT}"]
    # API
    client = api_client(*RUN)
    response = client.post("/api/discovery/runs/", {"targets": targets, "exclusions": [excluded], "site": site.pk,
                                                    "credential_sets": [cset.pk]}, format="json")
    assert response.status_code == 202, response.content
    run = DiscoveryRun.objects.select_related("job").get(pk=response.json()["run"])
    assert run.job.is_finished and run.exclusions == excluded
    seen = counts(counters)
    assert seen[excluded] == 0 and seen[probed] > 0, seen
    assert set(HostResult.objects.filter(run=run).values_list("address", flat=True)) == {probed}
    # the page
    page = Client()
    page.force_login(UserFactory(perms=list(RUN)))
    response = page.post("/discovery/runs/add/", {"targets": "\n".join(targets), "exclusions": excluded,
                                                  "site": site.pk, "credential_sets": [cset.pk], "mode": "identify"})
    assert response.status_code == 302
    after_page = counts(counters)
    assert after_page[excluded] == 0 and after_page[probed] > seen[probed], after_page
    # the command line (its own community: the operator's, no approval needed)
    with pytest.raises(SystemExit):  # nothing answers: the run fails, and says so
        call_command("discover", *targets, "--exclude", excluded, "--community", "estate-trust", "--site",
                     site.slug, stdout=io.StringIO(), stderr=io.StringIO())
    after_cli = counts(counters)
    assert after_cli[excluded] == 0 and after_cli[probed] > after_page[probed], after_cli


def test_scope_and_scheduled_runs_apply_the_scope_and_run_exclusions(counters) -> None:
    scope_excluded, run_excluded, probed = addresses()
    scope = ScopeFactory(targets="\n".join(f"{a}:{PORT}" for a in addresses()), exclusions=scope_excluded,
                         use_ssh=False, snmp_timeout=0.3, snmp_retries=0)
    scope.credential_sets.set([snmp_set()])
    client = api_client(*RUN)
    response = client.post(f"/api/discovery/scopes/{scope.pk}/discover/", {"exclusions": [run_excluded]},
                           format="json")
    assert response.status_code == 202, response.content
    seen = counts(counters)
    assert seen[scope_excluded] == seen[run_excluded] == 0 and seen[probed] > 0, seen
    # a schedule: the run is made by the same service, inside the schedule's job
    schedule = Schedule.objects.create(name="Nightly", kind="discovery", kwargs={"scope_id": scope.pk},
                                       cron="0 2 * * *")
    event = schedule_fire(schedule=schedule, fire_time=timezone.now())
    assert event is not None and event.job is not None
    run = DiscoveryRun.objects.get(job=event.job)
    assert (run.scope, run.exclusions, run.options["snmp_timeout"]) == (scope, scope_excluded, 0.3)
    after = counts(counters)
    assert after[scope_excluded] == 0 and after[probed] > seen[probed], after
    # a scope edited afterwards does not change a run already made: the job reads only the run
    Scope.objects.filter(pk=scope.pk).update(exclusions="")
    assert DiscoveryRun.objects.get(pk=run.pk).exclusions == scope_excluded


def test_resolved_names_are_checked_before_the_first_packet() -> None:
    """localhost resolves to 127.0.0.1 (or ::1): excluded, or outside the set's networks, it is skipped."""
    listeners = [UdpCounter("127.0.0.1")]
    if socket.has_ipv6:
        with contextlib.suppress(OSError):  # no IPv6 loopback here: localhost is 127.0.0.1 only
            listeners.append(UdpCounter("::1"))
    try:
        site = SiteFactory()
        client = api_client(*RUN)
        response = client.post("/api/discovery/runs/", {
            "targets": [f"localhost:{PORT}"], "exclusions": ["127.0.0.1", "::1"], "site": site.pk,
            "credential_sets": [snmp_set().pk]}, format="json")
        assert response.status_code == 202, response.content
        run = DiscoveryRun.objects.select_related("job").get(pk=response.json()["run"])
        log = list(run.job.log_entries.values_list("message", flat=True))
        assert any("localhost" in m and "skipped, excluded" in m for m in log), log
        # outside the approved networks of the set it would use
        narrow = snmp_set(approved_networks=f"{loopback(BLOCK, 0)}/24")
        response = client.post("/api/discovery/runs/", {"targets": [f"localhost:{PORT}"], "site": site.pk,
                                                        "credential_sets": [narrow.pk]}, format="json")
        assert response.status_code == 202, response.content
        run = DiscoveryRun.objects.select_related("job").get(pk=response.json()["run"])
        log = list(run.job.log_entries.values_list("message", flat=True))
        assert any("outside the approved networks of credential set" in m for m in log), log
        assert [c.packets for c in listeners] == [0] * len(listeners)
    finally:
        for listener in listeners:
            listener.close()


def test_ssh_credentials_go_only_to_known_keys_unless_tofu_is_allowed(private_sshd: SshdFarm) -> None:  # noqa: F811
    host = private_sshd.hosts[0]
    site = SiteFactory()
    cset = CredentialSetFactory(credentials=[CredentialFactory(kind="ssh_password", username=host.username,
                                                               secrets={"password": host.password})])
    client = api_client(*RUN)

    def run(allow_tofu: bool) -> HostResult:
        response = client.post("/api/discovery/runs/", {"targets": [f"{host.address}:{host.port}"], "site": site.pk,
                                                        "credential_sets": [cset.pk], "allow_tofu": allow_tofu},
                               format="json")
        assert response.status_code == 202, response.content
        return HostResult.objects.get(run_id=response.json()["run"])

    before = len(private_sshd.log_text(host.address))
    refused = run(allow_tofu=False)
    assert refused.action == "failed" and "host key unknown" in refused.error, refused.error
    log = private_sshd.log_text(host.address)[before:]
    assert "password" not in log and "Accepted" not in log and "Failed" not in log, log
    assert not HostKey.objects.exists()

    trusted = run(allow_tofu=True)
    assert trusted.action == "created" and trusted.method == "ssh", trusted.error
    assert HostKey.objects.get().fingerprint == host.host_key_fingerprint
    assert "Accepted password" in private_sshd.log_text(host.address)[before:]
    # known now: the next run without TOFU logs in
    assert run(allow_tofu=False).action in ("unchanged", "updated")
