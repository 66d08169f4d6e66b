"""Discovery trust without the network: numeric "names", caps and fast exclusions, the right to use a credential
set and its approved networks (page, API, CLI), frozen run settings, and the dependency direction (discovery
imports nothing from migration_plans; waves verify their own items when the discovery job ends).

Jobs stay pending here (TestCase never commits); the runs that really send packets are in test_trust_runs.py."""

from __future__ import annotations

import ast
import io
import time
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import TestCase

from discovery.models import DiscoveryRun, HostResult, Scope
from discovery.services import discovery_run_start
from discovery.targets import MAX_LINES, TargetError, parse_and_expand
from estate.choices import JobStatusChoices
from estate.jobs.runner import job_finished
from estate.models import Job
from estate.services import default_groups_ensure
from migration_plans.services import wave_item_walk
from tests.discovery.test_runs_ui_api import api_client
from tests.factories import (
    CredentialFactory,
    CredentialSetFactory,
    DeviceFactory,
    JobFactory,
    ScopeFactory,
    SiteFactory,
    UserFactory,
    WaveItemFactory,
)

NUMERIC = ("2130706433", "127.1", "0x7f.1", "0177.0.0.1", "0x7f000001", "0.0", "224.1")
RUN = ("discovery.add_discoveryrun", "discovery.view_discoveryrun")
USE = "discovery.use_credentialset"


class NumericNamesTest(TestCase):
    def test_numeric_names_are_refused_in_every_door(self):
        site, cset = SiteFactory(), CredentialSetFactory(credentials=[CredentialFactory()])
        client = api_client(*RUN, USE)
        self.client.force_login(UserFactory(perms=[*RUN, USE, "discovery.add_scope", "discovery.view_scope"]))
        for name in NUMERIC:
            with self.assertRaisesMessage(TargetError, "a number is not a host name"):
                parse_and_expand(name, limit=10)
            response = client.post("/api/discovery/runs/", {"targets": [f"{name}:1161"], "site": site.pk,
                                                            "credential_sets": [cset.pk]}, format="json")
            self.assertEqual(response.status_code, 400, name)
            self.assertIn("a number is not a host name", str(response.json()["error"]))
            response = self.client.post("/discovery/runs/add/", {"targets": name, "site": site.pk,
                                                                 "credential_sets": [cset.pk], "mode": "inventory"})
            self.assertContains(response, "a number is not a host name", status_code=400)
            with self.assertRaisesMessage(CommandError, "a number is not a host name"):
                call_command("discover", name, "--community", "x", "--site", site.slug, stdout=io.StringIO())
            with self.assertRaisesMessage(ValidationError, "a number is not a host name"):
                Scope(name="n", site=site, targets="127.0.0.2", exclusions=name).full_clean()
        # ordinary names still pass
        self.assertEqual([t.host for t in parse_and_expand("printer-1.example.net\ndb01", limit=10)],
                         ["printer-1.example.net", "db01"])
        self.assertFalse(DiscoveryRun.objects.exists())
        self.assertFalse(Job.objects.exists())


class CapsAndSpeedTest(TestCase):
    def test_too_many_exclusion_lines_are_refused_quickly(self):
        scope = Scope(name="Big", site=SiteFactory(), targets="127.64.0.0/20",
                      exclusions="\n".join(f"127.64.{i // 250}.{i % 250 + 1}" for i in range(60_000)))
        started = time.monotonic()
        with self.assertRaises(ValidationError) as caught:
            scope.full_clean()
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertIn(f"the limit is {MAX_LINES:,}", caught.exception.message_dict["exclusions"][0])
        with self.assertRaisesMessage(TargetError, "too many targets"):
            parse_and_expand("\n".join(["127.0.0.1"] * (MAX_LINES + 1)), limit=10)

    def test_exclusions_under_the_cap_are_validated_fast_and_right(self):
        # 4,094 hosts against 9,999 single-address exclusions: hosts x exclusions would be 40 million comparisons
        lines = [f"127.64.{i // 250}.{i % 250 + 1}" for i in range(MAX_LINES - 1)]
        scope = Scope(name="Big", site=SiteFactory(), targets="127.64.0.0/20", exclusions="\n".join(lines))
        started = time.monotonic()
        scope.full_clean()
        self.assertLess(time.monotonic() - started, 2.0)
        left = parse_and_expand("127.64.0.0/20", exclusions=lines, limit=5000)
        excluded = set(lines)
        self.assertEqual(len(left), 4094 - len(excluded & {f"127.64.{i}.{j}" for i in range(16) for j in range(256)}))
        self.assertFalse({t.host for t in left} & excluded)

    def test_ranges_and_versions_subtract_correctly(self):
        hosts = [t.host for t in parse_and_expand(
            "127.0.0.0/29\n::1\n127.0.0.9-12", exclusions="127.0.0.2-127.0.0.3\n127.0.0.10\n0.0.0.1", limit=100)]
        self.assertEqual(hosts, ["127.0.0.1", "127.0.0.4", "127.0.0.5", "127.0.0.6", "::1", "127.0.0.9",
                                 "127.0.0.11", "127.0.0.12"])

    def test_a_run_that_expands_to_nothing_is_refused_before_a_job_exists(self):
        site, cset = SiteFactory(), CredentialSetFactory(credentials=[CredentialFactory()])
        client = api_client(*RUN, USE, "discovery.view_scope")
        response = client.post("/api/discovery/runs/", {"targets": ["127.0.0.1:16161"], "exclusions": ["127.0.0.1"],
                                                        "site": site.pk, "credential_sets": [cset.pk]}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("every target is excluded", str(response.json()["error"]))
        scope = ScopeFactory(targets="127.0.0.1:16161")
        response = client.post(f"/api/discovery/scopes/{scope.pk}/discover/", {"exclusions": ["127.0.0.0/8"]},
                               format="json")
        self.assertEqual(response.status_code, 400)
        with self.assertRaisesMessage(CommandError, "every target is excluded"):
            call_command("discover", "127.0.0.1:16161", "--exclude", "127.0.0.1", "--community", "x",
                         "--site", site.slug, stdout=io.StringIO())
        self.assertFalse(Job.objects.exists())


class CredentialUseTest(TestCase):
    def setUp(self):
        self.site = SiteFactory()
        self.cset = CredentialSetFactory(credentials=[CredentialFactory()])  # approved for loopback

    def post_api(self, client, targets, cset=None):
        return client.post("/api/discovery/runs/", {"targets": targets, "site": self.site.pk,
                                                    "credential_sets": [(cset or self.cset).pk]}, format="json")

    def test_using_a_set_needs_its_own_permission_in_ui_api_and_cli(self):
        # API
        response = self.post_api(api_client(*RUN, "discovery.view_credentialset", "discovery.change_credentialset"),
                                 ["127.0.0.1"])
        self.assertEqual(response.status_code, 400)
        self.assertIn("permission to use credential sets", str(response.json()["error"]))
        self.assertEqual(self.post_api(api_client(*RUN, USE), ["127.0.0.1"]).status_code, 202)
        # page
        self.client.force_login(UserFactory(perms=list(RUN)))
        data = {"targets": "127.0.0.1", "site": self.site.pk, "credential_sets": [self.cset.pk], "mode": "inventory"}
        self.assertContains(self.client.post("/discovery/runs/add/", data), "permission to use credential sets",
                            status_code=400)
        self.client.force_login(UserFactory(perms=[*RUN, USE]))
        self.assertEqual(self.client.post("/discovery/runs/add/", data).status_code, 302)
        # CLI, as a named user
        UserFactory(username="viewer-only")
        with self.assertRaisesMessage(CommandError, "permission to use credential sets"):
            call_command("discover", "127.0.0.1", "--credential-set", self.cset.name, "--user", "viewer-only",
                         "--site", self.site.slug, stdout=io.StringIO())
        self.assertEqual(DiscoveryRun.objects.count(), 2)

    def test_engineers_may_use_sets_viewers_may_not(self):
        default_groups_ensure()
        engineer, viewer = UserFactory(), UserFactory()
        engineer.groups.add(Group.objects.get(name="Engineers"))
        viewer.groups.add(Group.objects.get(name="Viewers"))
        self.assertTrue(engineer.has_perm(USE))
        self.assertFalse(viewer.has_perm(USE))

    def test_scope_with_sets_needs_the_right_and_approved_networks(self):
        payload = {"name": "Office", "site": self.site.pk, "targets": "127.77.0.0/28",
                   "credential_sets": [self.cset.pk]}
        without = api_client("discovery.add_scope", "discovery.view_scope", "discovery.change_scope")
        response = without.post("/api/discovery/scopes/", payload, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("permission to use credential sets", str(response.json()["error"]))
        with_use = api_client("discovery.add_scope", "discovery.view_scope", "discovery.change_scope", USE)
        response = with_use.post("/api/discovery/scopes/", {**payload, "targets": "10.9.0.0/28"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("not approved for 10.9.0.0/28", str(response.json()["error"]))
        response = with_use.post("/api/discovery/scopes/", payload, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        scope = Scope.objects.get()
        self.assertEqual(list(scope.credential_sets.all()), [self.cset])
        # an edit that leaves sets and targets alone needs no right to use them
        response = without.patch(f"/api/discovery/scopes/{scope.pk}/", {"description": "x"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        # pointing the scope elsewhere does
        response = without.patch(f"/api/discovery/scopes/{scope.pk}/", {"targets": "127.78.0.1"}, format="json")
        self.assertEqual(response.status_code, 400)
        # the page: the form refuses too
        self.client.force_login(UserFactory(perms=["discovery.add_scope", "discovery.view_scope"]))
        response = self.client.post("/discovery/scopes/add/", {
            "name": "Page scope", "site": self.site.pk, "targets": "127.77.1.1", "credential_sets": [self.cset.pk],
            "use_snmp": "on", "snmp_port": 161, "ssh_port": 22, "snmp_timeout": 1, "snmp_retries": 0,
            "ssh_timeout": 5, "concurrency": 5})
        self.assertContains(response, "permission to use credential sets", status_code=400)
        # Discover now on a scope with sets: refused without the right, nothing started
        self.client.force_login(UserFactory(perms=["discovery.view_scope", "discovery.add_discoveryrun"]))
        response = self.client.post(f"/discovery/scopes/{scope.pk}/discover/", follow=True)
        self.assertContains(response, "permission to use credential sets")
        self.assertFalse(DiscoveryRun.objects.exists())

    def test_approved_networks_are_enforced_in_ui_api_and_cli(self):
        client = api_client(*RUN, USE)
        self.client.force_login(UserFactory(perms=[*RUN, USE]))
        unapproved = CredentialSetFactory(name="Nowhere", approved_networks="", credentials=[CredentialFactory()])
        for cset, target, message in ((self.cset, "10.0.0.1", "not approved for 10.0.0.1"),
                                      (self.cset, "127.0.0.0/31\n10.1.0.0/30", "not approved for 10.1.0.0/30"),
                                      (unapproved, "127.0.0.1", "Nowhere has no approved networks")):
            response = self.post_api(client, target.splitlines(), cset)
            self.assertEqual(response.status_code, 400, target)
            self.assertIn(message, str(response.json()["error"]))
            response = self.client.post("/discovery/runs/add/", {"targets": target, "site": self.site.pk,
                                                                 "credential_sets": [cset.pk], "mode": "inventory"})
            self.assertContains(response, message, status_code=400)
            with self.assertRaisesMessage(CommandError, message):
                call_command("discover", *target.splitlines(), "--credential-set", cset.name,
                             "--site", self.site.slug, stdout=io.StringIO())
        # an excluded part outside the networks does not matter; a name is checked once resolved, by the job
        self.assertEqual(self.post_api(client, ["127.0.0.0/30", "10.0.0.1", "printer.example.net"]).status_code,
                         400)
        response = client.post("/api/discovery/runs/", {
            "targets": ["127.0.0.0/30", "10.0.0.1", "printer.example.net"], "exclusions": ["10.0.0.0/24"],
            "site": self.site.pk, "credential_sets": [self.cset.pk]}, format="json")
        self.assertEqual(response.status_code, 202, response.content)
        # a bad network line is refused on the set
        response = api_client("discovery.add_credentialset", "discovery.view_credentialset").post(
            "/api/discovery/credential-sets/", {"name": "Bad", "approved_networks": "10.0.0.0/33"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("approved_networks", str(response.json()["error"]))


class FrozenSettingsTest(TestCase):
    def test_a_scope_run_freezes_the_scope_settings_and_adds_its_own_exclusions(self):
        cset_b, cset_a = CredentialSetFactory(name="b"), CredentialSetFactory(name="a")
        scope = ScopeFactory(targets="127.77.0.1-127.77.0.9", exclusions="127.77.0.9", ssh_port=2222,
                             allow_tofu=True, concurrency=7)
        scope.credential_sets.set([cset_b, cset_a])
        client = api_client("discovery.view_scope", *RUN, USE)
        response = client.post(f"/api/discovery/scopes/{scope.pk}/discover/", {"exclusions": ["127.77.0.1"]},
                               format="json")
        self.assertEqual(response.status_code, 202, response.content)
        run = DiscoveryRun.objects.get()
        self.assertEqual((run.exclusions, run.credential_set_ids, run.allow_tofu), ("127.77.0.9\n127.77.0.1",
                                                                                    [cset_a.pk, cset_b.pk], True))
        self.assertEqual((run.options["ssh_port"], run.options["concurrency"], run.job.progress_total), (2222, 7, 7))
        self.assertEqual(run.job.kwargs, {"run_id": run.pk})
        body = client.get(f"/api/discovery/runs/{run.pk}/").json()
        self.assertEqual((body["exclusions"], body["allow_tofu"], body["mode"]), (run.exclusions, True, "inventory"))
        self.client.force_login(UserFactory(perms=["discovery.view_discoveryrun"]))
        page = self.client.get(run.get_absolute_url())
        self.assertContains(page, "127.77.0.9\n127.77.0.1")
        self.assertContains(page, f'href="{cset_a.get_absolute_url()}"')

    def test_the_schedule_path_uses_the_same_service(self):
        scope = ScopeFactory(targets="127.0.0.1:16161", exclusions="127.0.0.1")
        Scope.objects.filter(pk=scope.pk).update(exclusions="127.0.0.1")
        job = JobFactory(kind="discovery", kwargs={"scope_id": scope.pk})
        with self.assertRaisesMessage(ValidationError, "every target is excluded"):
            discovery_run_start(scope=scope, job=job)


class DependencyDirectionTest(TestCase):
    def test_discovery_imports_nothing_from_migration_plans(self):
        root = Path(__file__).resolve().parents[2] / "discovery"
        offenders = []
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "migration_plans"]
        self.assertEqual(offenders, [])

    def test_waves_move_their_items_when_the_verifying_discovery_ends(self):
        answered, silent = WaveItemFactory(), WaveItemFactory()
        for item in (answered, silent):
            for state in ("ready", "in_progress", "validated"):
                wave_item_walk(item=item, to_state=state)
        job = JobFactory(kind="discovery", kwargs={"verify_items": [answered.pk, silent.pk]},
                         status=JobStatusChoices.COMPLETED)
        run = DiscoveryRun.objects.create(job=job, site=answered.device.site, targets="127.0.0.1")
        HostResult.objects.create(run=run, address="127.0.0.1", reachable=True, device=answered.device,
                                  action="updated")
        HostResult.objects.create(run=run, address="127.0.0.2", reachable=False, device=DeviceFactory(),
                                  action="unreachable")
        job_finished.send(sender=Job, job=job)
        answered.refresh_from_db()
        silent.refresh_from_db()
        self.assertEqual((answered.state, silent.state), ("done", "validated"))
        self.assertIn(f"verified by discovery run #{run.pk}", answered.last_result)
        self.assertIn("not verified", silent.last_result)
        self.assertTrue(job.log_entries.filter(message__contains="not verified").exists())
