"""Starting runs (UI, API, CLI) and refusing impossible scopes; run pages and API; host keys and re-trust;
the device page's Discovery card; the secrets-key commands. No network: jobs stay pending (TestCase never
commits, so the eager backend never runs them); the end-to-end runs are in test_discovery_e2e.py."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from rest_framework.test import APIClient

from discovery.models import Credential, DiscoveryRun, HostKey, HostResult, Scope
from discovery.secrets import SecretsError, decrypt_secrets, encrypt_secrets, generate_key
from estate.models import Job
from estate.services import token_create
from tests.factories import (
    CredentialFactory,
    CredentialSetFactory,
    DeviceFactory,
    HostKeyFactory,
    ScopeFactory,
    SiteFactory,
    UserFactory,
)
from tests.utils.cases import audit_entries

IMPOSSIBLE = {"10.0.0.0/8": "more than the limit", "224.0.0.1": "multicast", "0.0.0.0": "unspecified",
              "255.255.255.255": "broadcast"}


def api_client(*perms: str, write: bool = True) -> APIClient:
    user = UserFactory(perms=list(perms))
    _, key = token_create(user=user, write_enabled=write)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user = user
    return client


def impossible_scope(target: str) -> Scope:
    """A scope saved before the rules (or the limit) changed: the run must still be refused."""
    scope = ScopeFactory()
    Scope.objects.filter(pk=scope.pk).update(targets=target)
    scope.refresh_from_db()
    return scope


class StartRunTest(TestCase):
    def setUp(self):
        self.scope = ScopeFactory(targets="127.77.0.1-127.77.0.6")
        self.scope.credential_sets.add(CredentialSetFactory(credentials=[CredentialFactory()]))

    def test_discover_now_button_starts_a_run_and_redirects_to_it(self):
        user = UserFactory(perms=["discovery.view_scope", "discovery.add_discoveryrun", "discovery.view_discoveryrun",
                                  "discovery.use_credentialset"])
        self.client.force_login(user)
        page = self.client.get(self.scope.get_absolute_url())
        self.assertContains(page, "Discover now")
        response = self.client.post(f"/discovery/scopes/{self.scope.pk}/discover/", {"dry_run": "1"})
        run = DiscoveryRun.objects.get()
        self.assertRedirects(response, run.get_absolute_url(), fetch_redirect_response=False)
        self.assertTrue(run.dry_run)
        self.assertEqual((run.scope, run.job.user, run.job.progress_total), (self.scope, user, 6))
        page = self.client.get(run.get_absolute_url())
        self.assertContains(page, 'role="progressbar"')
        self.assertContains(page, 'aria-valuenow="0"')
        self.assertContains(page, "estate/jobs.js")  # the live poller, shared with the job page
        self.assertContains(page, 'data-live="run"')
        status = self.client.get(f"/discovery/runs/{run.pk}/status.json").json()
        self.assertEqual((status["status"], status["progress_total"], status["is_finished"]), ("pending", 6, False))

    def test_discover_now_needs_permission(self):
        self.client.force_login(UserFactory(perms=["discovery.view_scope"]))
        self.assertNotContains(self.client.get(self.scope.get_absolute_url()), "Discover now")
        self.assertEqual(self.client.post(f"/discovery/scopes/{self.scope.pk}/discover/").status_code, 403)
        self.assertFalse(DiscoveryRun.objects.exists())

    def test_ad_hoc_run_from_the_ui(self):
        user = UserFactory(perms=["discovery.add_discoveryrun", "discovery.view_discoveryrun",
                                  "discovery.use_credentialset"])
        self.client.force_login(user)
        site = SiteFactory()
        first, second = (CredentialSetFactory(name="b-first", credentials=[CredentialFactory(), CredentialFactory()]),
                         CredentialSetFactory(name="a-second", credentials=[CredentialFactory()]))
        listing = self.client.get("/discovery/runs/")
        self.assertContains(listing, 'href="/discovery/runs/add/"')
        form = self.client.get("/discovery/runs/add/?targets=127.77.0.9")
        self.assertContains(form, "127.77.0.9</textarea>")
        self.assertContains(form, 'name="credential_sets"')
        response = self.client.post("/discovery/runs/add/", {
            "targets": "127.77.0.1-127.77.0.4\n127.77.0.9:1161", "exclusions": "127.77.0.2", "site": site.pk,
            "credential_sets": [first.pk, second.pk], "port": "16100", "mode": "identify", "dry_run": "1"})
        run = DiscoveryRun.objects.get()
        self.assertRedirects(response, run.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual((run.site, run.dry_run, run.job.user, run.job.progress_total), (site, True, user, 4))
        # the run holds its settings; the job only names the run
        self.assertEqual(run.job.kwargs, {"run_id": run.pk})
        self.assertEqual((run.mode, run.options["snmp_port"], run.options["ssh_port"]), ("identify", 16100, 16100))
        self.assertEqual(run.exclusions, "127.77.0.2")
        # sets in name order, as a scope tries them (each set's credentials in the set's own order)
        self.assertEqual(run.credential_set_ids, [second.pk, first.pk])
        self.assertContains(self.client.get(run.get_absolute_url()), 'role="progressbar"')

    def test_ad_hoc_run_form_refuses_bad_input_and_starts_nothing(self):
        self.client.force_login(UserFactory(perms=["discovery.add_discoveryrun"]))
        site, cset = SiteFactory(), CredentialSetFactory(credentials=[CredentialFactory()])
        cases = {**IMPOSSIBLE, "127.77.0.9-127.77.0.1": "range", "<script>alert(1)</script>": "&lt;script&gt;"}
        for target, message in cases.items():
            response = self.client.post("/discovery/runs/add/", {"targets": target, "site": site.pk,
                                                                 "credential_sets": [cset.pk], "mode": "inventory"})
            self.assertContains(response, message, status_code=400, msg_prefix=target)
            self.assertNotContains(response, "<script>alert", status_code=400)
        response = self.client.post("/discovery/runs/add/", {"targets": "127.77.0.1", "site": site.pk,
                                                             "mode": "inventory"})
        self.assertContains(response, "This field is required", status_code=400)  # no credential set
        self.assertFalse(DiscoveryRun.objects.exists())
        self.assertFalse(Job.objects.exists())

    def test_ad_hoc_run_form_needs_permission(self):
        self.client.force_login(UserFactory(perms=["discovery.view_discoveryrun"]))
        self.assertNotContains(self.client.get("/discovery/runs/"), 'href="/discovery/runs/add/"')
        self.assertEqual(self.client.get("/discovery/runs/add/").status_code, 403)
        site, cset = SiteFactory(), CredentialSetFactory(credentials=[CredentialFactory()])
        response = self.client.post("/discovery/runs/add/", {"targets": "127.77.0.1", "site": site.pk,
                                                             "credential_sets": [cset.pk], "mode": "inventory"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(DiscoveryRun.objects.exists())

    def test_api_discover_returns_202_with_run_and_job(self):
        client = api_client("discovery.view_scope", "discovery.add_discoveryrun", "discovery.view_discoveryrun",
                            "discovery.use_credentialset")
        response = client.post(f"/api/discovery/scopes/{self.scope.pk}/discover/", {"dry_run": True}, format="json")
        self.assertEqual(response.status_code, 202, response.content)
        run = DiscoveryRun.objects.get(pk=response.json()["run"])
        self.assertEqual(response.json()["job"], run.job_id)
        self.assertTrue(run.dry_run)
        detail = client.get(f"/api/discovery/runs/{run.pk}/").json()
        self.assertEqual(detail["progress"], {"done": 0, "total": 6, "percent": 0})
        self.assertEqual(detail["status"], "pending")
        self.assertEqual(client.get(f"/api/discovery/runs/{run.pk}/hosts/").json()["count"], 0)
        # without add_discoveryrun: 403, nothing created
        other = api_client("discovery.view_scope")
        self.assertEqual(other.post(f"/api/discovery/scopes/{self.scope.pk}/discover/").status_code, 403)
        self.assertEqual(DiscoveryRun.objects.count(), 1)

    def test_api_ad_hoc_run(self):
        client = api_client("discovery.add_discoveryrun", "discovery.view_discoveryrun",
                            "discovery.use_credentialset")
        site, cset = SiteFactory(), CredentialSetFactory(credentials=[CredentialFactory(), CredentialFactory()])
        response = client.post("/api/discovery/runs/", {"targets": ["127.77.0.1", "127.77.0.2:1161"],
                                                        "site": site.pk, "credential_sets": [cset.pk], "port": 16100,
                                                        "mode": "identify", "dry_run": False}, format="json")
        self.assertEqual(response.status_code, 202, response.content)
        run = DiscoveryRun.objects.get(pk=response.json()["run"])
        self.assertEqual((run.mode, run.credential_set_ids, run.options["snmp_port"]), ("identify", [cset.pk], 16100))
        self.assertEqual(run.targets, "127.77.0.1\n127.77.0.2:1161")
        response = client.post("/api/discovery/runs/", {"targets": ["127.77.0.1"], "site": site.pk,
                                                        "credential_sets": []}, format="json")
        self.assertEqual(response.status_code, 400)

    def test_impossible_scopes_are_refused_everywhere_and_nothing_is_created(self):
        self.client.force_login(UserFactory(perms=["discovery.view_scope", "discovery.add_discoveryrun"]))
        client = api_client("discovery.view_scope", "discovery.add_discoveryrun")
        site, cset = SiteFactory(), CredentialSetFactory(credentials=[CredentialFactory()])
        for target, message in IMPOSSIBLE.items():
            scope = impossible_scope(target)
            # UI
            response = self.client.post(f"/discovery/scopes/{scope.pk}/discover/", follow=True)
            self.assertContains(response, "Discovery was not started")
            self.assertContains(response, message)
            # API: the scope, then ad hoc
            response = client.post(f"/api/discovery/scopes/{scope.pk}/discover/", {}, format="json")
            self.assertEqual(response.status_code, 400, target)
            self.assertIn(message, response.json()["error"]["message"])
            response = client.post("/api/discovery/runs/", {"targets": [target], "site": site.pk,
                                                            "credential_sets": [cset.pk]}, format="json")
            self.assertEqual(response.status_code, 400, target)
            self.assertIn(message, str(response.json()["error"]))
            # CLI
            with self.assertRaisesMessage(CommandError, message):
                call_command("discover", target, "--community", "x", "--site", site.slug, stdout=io.StringIO())
        self.assertFalse(DiscoveryRun.objects.exists())
        self.assertFalse(Job.objects.exists())


HOSTILE = "<script>alert(1)</script>"


class RunPagesTest(TestCase):
    def setUp(self):
        scope = ScopeFactory()
        from discovery.services import discovery_run_start

        self.run = discovery_run_start(site=scope.site, scope=scope)
        self.device = DeviceFactory(name=HOSTILE)
        HostResult.objects.create(run=self.run, address="127.77.0.9", port=16100, reachable=True, method="snmp",
                                  device=self.device, action="created", error=f"SNMP: {HOSTILE}",
                                  changes={"name": [None, HOSTILE]}, facts={"hostname": HOSTILE, "kind": "other"})
        HostResult.objects.create(run=self.run, address="127.77.0.10", action="unreachable", error="SNMP: timeout")

    def test_run_page_escapes_everything_from_devices(self):
        self.client.force_login(UserFactory(perms=["discovery.view_discoveryrun"]))
        page = self.client.get(self.run.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        content = page.content.decode()
        self.assertNotIn(HOSTILE, content)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", content)
        self.assertIn("Unreachable", content)
        listing = self.client.get("/discovery/runs/")
        self.assertEqual(listing.status_code, 200)
        self.assertNotContains(listing, "/discovery/runs/edit/")

    def test_runs_api_lists_host_results(self):
        client = api_client("discovery.view_discoveryrun")
        body = client.get(f"/api/discovery/runs/{self.run.pk}/hosts/").json()
        self.assertEqual(body["count"], 2)
        self.assertEqual(body["results"][0]["device_name"], HOSTILE)  # JSON, escaped by the client that shows it
        self.assertEqual(client.get("/api/discovery/runs/").json()["count"], 1)
        self.assertEqual(client.get(f"/api/discovery/runs/{self.run.pk}/log/").status_code, 200)
        self.assertEqual(api_client().get("/api/discovery/runs/").status_code, 403)

    def test_device_page_discovery_card(self):
        HostKeyFactory(address="127.77.0.9", device=self.device, mismatch_fingerprint="SHA256:new")
        self.client.force_login(UserFactory(perms=["inventory.view_device", "discovery.view_discoveryrun",
                                                   "discovery.view_hostkey"]))
        page = self.client.get(self.device.get_absolute_url())
        self.assertContains(page, "discovery-heading")
        self.assertContains(page, "Changed: needs re-trust")
        self.assertNotIn(HOSTILE, page.content.decode())
        self.client.force_login(UserFactory(perms=["inventory.view_device"]))
        self.assertNotContains(self.client.get(self.device.get_absolute_url()), "discovery-heading")


class HostKeyTest(TestCase):
    def setUp(self):
        self.key = HostKeyFactory(fingerprint="SHA256:old", mismatch_key_type="ssh-ed25519",
                                  mismatch_fingerprint="SHA256:new", mismatch_public_key="ssh-ed25519 AAAAnew")

    def test_pages_list_detail_delete_and_retrust(self):
        self.client.force_login(UserFactory(perms=["discovery.view_hostkey"]))
        self.assertContains(self.client.get("/discovery/host-keys/"), "Changed: SHA256:new")
        page = self.client.get(self.key.get_absolute_url())
        self.assertContains(page, "presented a different key")
        self.assertNotContains(page, "Re-trust new key")
        self.assertEqual(self.client.post(f"/discovery/host-keys/{self.key.pk}/retrust/").status_code, 403)
        user = UserFactory(perms=["discovery.view_hostkey", "discovery.change_hostkey", "discovery.delete_hostkey"])
        self.client.force_login(user)
        page = self.client.get(self.key.get_absolute_url())
        self.assertContains(page, "Re-trust new key")
        self.assertNotContains(page, "/edit/")
        self.assertNotContains(self.client.get("/discovery/host-keys/"), "/discovery/host-keys/add/")
        response = self.client.post(f"/discovery/host-keys/{self.key.pk}/retrust/", follow=True)
        self.assertContains(response, "Now trusting SHA256:new")
        self.key.refresh_from_db()
        self.assertEqual((self.key.fingerprint, self.key.public_key, self.key.has_mismatch),
                         ("SHA256:new", "ssh-ed25519 AAAAnew", False))
        entry = audit_entries(self.key, action=LogEntry.Action.UPDATE).get()
        self.assertEqual(entry.actor, user)
        self.assertEqual(entry.changes_dict["fingerprint"], ["SHA256:old", "SHA256:new"])
        # nothing left to re-trust: a warning, no change
        response = self.client.post(f"/discovery/host-keys/{self.key.pk}/retrust/", follow=True)
        self.assertContains(response, "no changed key")
        self.assertEqual(self.client.post(f"/discovery/host-keys/{self.key.pk}/delete/").status_code, 302)
        self.assertFalse(HostKey.objects.exists())
        self.assertTrue(audit_entries(HostKey, pk=self.key.pk, action=LogEntry.Action.DELETE).exists())

    def test_api_list_retrieve_retrust_delete(self):
        reader = api_client("discovery.view_hostkey")
        body = reader.get("/api/discovery/host-keys/").json()
        self.assertEqual(body["results"][0]["mismatch_fingerprint"], "SHA256:new")
        self.assertEqual(reader.get("/api/discovery/host-keys/?changed=true").json()["count"], 1)
        self.assertEqual(reader.post(f"/api/discovery/host-keys/{self.key.pk}/retrust/").status_code, 403)
        writer = api_client("discovery.view_hostkey", "discovery.add_hostkey", "discovery.change_hostkey",
                            "discovery.delete_hostkey")
        self.assertEqual(writer.post("/api/discovery/host-keys/", {"address": "x"}).status_code, 405)
        self.assertEqual(writer.patch(f"/api/discovery/host-keys/{self.key.pk}/", {"fingerprint": "x"},
                                      format="json").status_code, 405)
        response = writer.post(f"/api/discovery/host-keys/{self.key.pk}/retrust/")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["fingerprint"], response.json()["has_mismatch"]), ("SHA256:new", False))
        self.assertEqual(audit_entries(self.key, action=LogEntry.Action.UPDATE).get().actor, writer.user)
        history = writer.get(f"/api/discovery/host-keys/{self.key.pk}/history/").json()
        self.assertEqual(history["count"], 2)  # create, re-trust
        self.assertEqual(writer.post(f"/api/discovery/host-keys/{self.key.pk}/retrust/").status_code, 400)
        self.assertEqual(writer.delete(f"/api/discovery/host-keys/{self.key.pk}/").status_code, 204)


class SecretsKeyCommandsTest(TestCase):
    def test_generate_secrets_key_prints_a_fernet_key(self):
        out = io.StringIO()
        call_command("generate_secrets_key", stdout=out)
        key = out.getvalue().strip()
        with override_settings(ESTATE_SECRETS_KEYS=[key]):
            self.assertEqual(decrypt_secrets(encrypt_secrets({"a": "b"})), {"a": "b"})

    def test_rotate_secrets_key_re_encrypts_every_credential(self):
        old, new = generate_key(), generate_key()
        with override_settings(ESTATE_SECRETS_KEYS=[old]):
            creds = [CredentialFactory(secrets={"community": f"rotate-me-{n}"}) for n in range(3)]
            CredentialFactory(kind="ssh_password", username="u", secrets={})  # nothing stored: left alone
            before = {c.pk: c.secret_data for c in creds}
        with override_settings(ESTATE_SECRETS_KEYS=[new, old]):
            out = io.StringIO()
            call_command("rotate_secrets_key", stdout=out)
            self.assertIn("Re-encrypted the secrets of 3 credentials", out.getvalue())
        with override_settings(ESTATE_SECRETS_KEYS=[new]):  # the old key is gone: everything still decrypts
            for credential in Credential.objects.filter(pk__in=before):
                self.assertNotEqual(credential.secret_data, before[credential.pk])
                self.assertTrue(credential.secrets()["community"].startswith("rotate-me-"))
        with override_settings(ESTATE_SECRETS_KEYS=[old]), pytest.raises(SecretsError):
            Credential.objects.get(pk=creds[0].pk).secrets()

    def test_rotate_with_an_unknown_token_changes_nothing(self):
        old, new, lost = generate_key(), generate_key(), generate_key()
        with override_settings(ESTATE_SECRETS_KEYS=[old]):
            good = CredentialFactory(secrets={"community": "fine"})
        with override_settings(ESTATE_SECRETS_KEYS=[lost]):
            bad = CredentialFactory(name="Lost key", secrets={"community": "lost"})
        with override_settings(ESTATE_SECRETS_KEYS=[new, old]), self.assertRaisesMessage(CommandError, "Lost key"):
            call_command("rotate_secrets_key", stdout=io.StringIO())
        good_before = good.secret_data
        good.refresh_from_db()
        bad.refresh_from_db()
        self.assertEqual(good.secret_data, good_before)
