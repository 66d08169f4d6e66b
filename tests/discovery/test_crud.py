"""CRUD × permission tests for credentials, credential sets and scopes (pages and API), and write-only secrets."""

from __future__ import annotations

from discovery.models import Credential, CredentialSet, Scope
from discovery.secrets import PLACEHOLDER
from tests.factories import CredentialFactory, CredentialSetFactory, ScopeFactory, SiteFactory, UserFactory
from tests.utils.cases import APITestCases, ViewTestCases, perm

# --- credentials -----------------------------------------------------------------------------------------------------


class CredentialAPITest(APITestCases.CRUD):
    model = Credential
    url = "/api/discovery/credentials/"
    update_payload = {"description": "changed"}
    invalid_payload = {"kind": "snmp_v2c", "community": ""}  # a v2c credential needs its community

    def make(self):
        return CredentialFactory()

    def create_payloads(self):
        return [{"name": "Campus v2c", "kind": "snmp_v2c", "community": "campus-ro"},
                {"name": "Campus ssh", "kind": "ssh_password", "username": "netops", "password": "pw-1234"}]

    def test_secrets_are_write_only_and_the_placeholder_keeps_them(self):
        client = self.client_for(perm(Credential, "add"), perm(Credential, "change"), perm(Credential, "view"))
        response = client.post(self.url, {"name": "v3", "kind": "snmp_v3", "username": "mon",
                                          "security_level": "authPriv", "auth_protocol": "sha256",
                                          "priv_protocol": "aes", "auth_key": "auth-secret-1",
                                          "priv_key": "priv-secret-1"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["auth_key"], body["priv_key"], body["community"]), (PLACEHOLDER, PLACEHOLDER, ""))
        self.assertNotIn(b"secret-1", response.content)
        url = self.detail_url(Credential.objects.get(pk=body["id"]))
        self.assertNotIn(b"secret-1", client.get(url).content)
        self.assertNotIn(b"secret-1", client.get(self.url).content)
        # PUT with the placeholders keeps both keys; PATCH of one key changes only it.
        response = client.put(url, {**body, "description": "edited"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        credential = Credential.objects.get(pk=body["id"])
        self.assertEqual(credential.secrets(), {"auth_key": "auth-secret-1", "priv_key": "priv-secret-1"})
        client.patch(url, {"priv_key": "priv-secret-2"}, format="json")
        credential.refresh_from_db()
        self.assertEqual(credential.secrets(), {"auth_key": "auth-secret-1", "priv_key": "priv-secret-2"})
        self.assertNotIn("secret", credential.secret_data)
        # too short a v3 key is refused with a field error, and nothing changes
        response = client.patch(url, {"auth_key": "short"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("auth_key", response.json()["error"]["detail"])
        credential.refresh_from_db()
        self.assertEqual(credential.secrets()["auth_key"], "auth-secret-1")

    def test_ssh_key_credential_needs_a_private_key_in_pem_or_openssh_form(self):
        client = self.client_for(perm(Credential, "add"), perm(Credential, "view"))
        response = client.post(self.url, {"name": "k", "kind": "ssh_key", "username": "u",
                                          "private_key": "not a key"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("private_key", response.json()["error"]["detail"])


class CredentialViewTest(ViewTestCases.CRUD):
    model = Credential
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return CredentialFactory(secrets={"community": "stored-community-9"})

    def form_data(self):
        return {"name": "Form v2c", "kind": "snmp_v2c", "community": "form-community-1", "auth_protocol": "none",
                "priv_protocol": "none"}

    def test_edit_form_shows_the_placeholder_never_the_secret_and_keeps_it(self):
        credential = self.make()
        self.login("change", "view")
        response = self.client.get(self.url("edit", pk=credential.pk))
        self.assertContains(response, f'value="{PLACEHOLDER}"')
        self.assertNotContains(response, "stored-community-9")
        self.assertNotContains(self.client.get(self.url("detail", pk=credential.pk)), "stored-community-9")
        data = {"name": credential.name, "kind": "snmp_v2c", "auth_protocol": "none", "priv_protocol": "none",
                "community": PLACEHOLDER, "description": "edited"}
        self.assertEqual(self.client.post(self.url("edit", pk=credential.pk), data).status_code, 302)
        credential.refresh_from_db()
        self.assertEqual(credential.secrets(), {"community": "stored-community-9"})
        # a new value replaces it; an emptied required secret is refused
        data["community"] = "new-community-2"
        self.client.post(self.url("edit", pk=credential.pk), data)
        credential.refresh_from_db()
        self.assertEqual(credential.secrets(), {"community": "new-community-2"})
        data["community"] = ""
        response = self.client.post(self.url("edit", pk=credential.pk), data)
        self.assertEqual(response.status_code, 400)
        self.assertNotContains(response, "new-community-2", status_code=400)
        credential.refresh_from_db()
        self.assertEqual(credential.secrets(), {"community": "new-community-2"})

    def test_ssh_key_form_with_textarea(self):
        self.login("add", "view")
        key = "-----BEGIN OPENSSH PRIVATE KEY-----\r\nAAAA\r\n-----END OPENSSH PRIVATE KEY-----\r\n"
        response = self.client.post(self.url("add"), {"name": "key", "kind": "ssh_key", "username": "ops",
                                                      "private_key": key, "passphrase": "pp-secret",
                                                      "auth_protocol": "none", "priv_protocol": "none"})
        self.assertEqual(response.status_code, 302, response.context and response.context["form"].errors)
        credential = Credential.objects.get(name="key")
        self.assertEqual(credential.secrets()["private_key"], key.replace("\r\n", "\n"))
        self.client.force_login(UserFactory(perms=[perm(Credential, "change"), perm(Credential, "view")]))
        page = self.client.get(self.url("edit", pk=credential.pk)).content.decode()
        self.assertNotIn("OPENSSH PRIVATE KEY-----\nAAAA", page)
        self.assertNotIn("pp-secret", page)
        self.assertIn(PLACEHOLDER, page)


# --- credential sets -------------------------------------------------------------------------------------------------


class CredentialSetAPITest(APITestCases.CRUD):
    model = CredentialSet
    url = "/api/discovery/credential-sets/"
    update_payload = {"description": "changed"}
    invalid_payload = {"credentials": [2**31]}

    def make(self):
        return CredentialSetFactory()

    def create_payloads(self):
        return [{"name": "Town hall", "credentials": []}, {"name": "Depot"}]

    def test_credentials_keep_their_order(self):
        a, b, c = CredentialFactory(), CredentialFactory(), CredentialFactory()
        client = self.client_for(perm(CredentialSet, "add"), perm(CredentialSet, "change"),
                                 perm(CredentialSet, "view"))
        response = client.post(self.url, {"name": "Ordered", "credentials": [c.pk, a.pk, b.pk]}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["credentials"], [c.pk, a.pk, b.pk])
        cset = CredentialSet.objects.get(pk=response.json()["id"])
        self.assertEqual(cset.ordered_credentials(), [c, a, b])
        response = client.patch(f"{self.url}{cset.pk}/", {"description": "kept order"}, format="json")
        self.assertEqual(response.json()["credentials"], [c.pk, a.pk, b.pk])
        response = client.patch(f"{self.url}{cset.pk}/", {"credentials": [b.pk, c.pk]}, format="json")
        self.assertEqual(cset.ordered_credentials(), [b, c])
        response = client.patch(f"{self.url}{cset.pk}/", {"credentials": [b.pk, b.pk]}, format="json")
        self.assertEqual(response.status_code, 400)


class CredentialSetViewTest(ViewTestCases.CRUD):
    model = CredentialSet
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return CredentialSetFactory(credentials=[CredentialFactory(), CredentialFactory()])

    def form_data(self):
        first, second = CredentialFactory(name="Second choice"), CredentialFactory(name="First choice")
        return {"name": "Form set", "credentials": f"{second.name}\n{first.name}\n"}

    def test_order_from_the_form_and_unknown_names_refused(self):
        self.login("add", "change", "view")
        response = self.client.post(self.url("add"), self.form_data())
        self.assertEqual(response.status_code, 302)
        cset = CredentialSet.objects.get(name="Form set")
        self.assertEqual([c.name for c in cset.ordered_credentials()], ["First choice", "Second choice"])
        page = self.client.get(self.url("detail", pk=cset.pk))
        self.assertContains(page, "First choice")
        response = self.client.post(self.url("edit", pk=cset.pk), {"name": "Form set", "credentials": "Nope\n"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "No credential called", status_code=400)


# --- scopes ----------------------------------------------------------------------------------------------------------


class ScopeAPITest(APITestCases.CRUD):
    model = Scope
    url = "/api/discovery/scopes/"
    update_payload = {"description": "changed", "snmp_timeout": 0.5}
    invalid_payload = {"targets": "10.0.0.0/8"}

    def make(self):
        return ScopeFactory()

    def create_payloads(self):
        site = SiteFactory()
        # with credential sets it needs discovery.use_credentialset as well: tests/discovery/test_trust_runs.py
        return [{"name": "Office LAN", "site": site.pk, "targets": "127.77.0.0/28\n127.77.1.1-127.77.1.62:1161"},
                {"name": "Servers", "site": site.pk, "targets": "127.77.2.10"}]


class ScopeViewTest(ViewTestCases.CRUD):
    model = Scope
    bulk_edit_data = {"description": "bulk", "concurrency": 10}

    def make(self):
        return ScopeFactory()

    def form_data(self):
        return {"name": "Form scope", "site": SiteFactory().pk, "targets": "127.77.0.1-62\nprinter-1.example.net",
                "use_snmp": "on", "snmp_port": 161, "ssh_port": 22, "snmp_timeout": 1, "snmp_retries": 0,
                "ssh_timeout": 5, "concurrency": 50}

    def test_impossible_targets_are_refused_with_a_clear_error(self):
        self.login("add", "view")
        for target, message in (("10.0.0.0/8", "more than the limit"), ("224.0.0.1", "multicast"),
                                ("0.0.0.0", "unspecified"), ("255.255.255.255", "broadcast")):
            response = self.client.post(self.url("add"), {**self.form_data(), "targets": target})
            self.assertEqual(response.status_code, 400, target)
            self.assertContains(response, message, status_code=400)
        self.assertFalse(Scope.objects.exists())
