"""Directory sources: CRUD × permissions for the API and the pages; the bind password is write-only everywhere."""

from __future__ import annotations

from discovery.models_directory import DirectorySource
from discovery.secrets import PLACEHOLDER
from tests.factories import DirectorySourceFactory, SiteFactory, UserFactory
from tests.utils.cases import APITestCases, ViewTestCases, perm


class DirectorySourceAPITest(APITestCases.CRUD):
    model = DirectorySource
    url = "/api/discovery/directory-sources/"
    update_payload = {"description": "changed"}
    invalid_payload = {"server_urls": "http://dc1.council.local"}

    def make(self):
        return DirectorySourceFactory()

    def create_payloads(self):
        site = SiteFactory()
        return [{"name": "Council AD", "site": site.pk, "server_urls": "ldaps://dc1.council.local",
                 "bind_user": "svc@council.local", "password": "api-bind-pw-1", "base_dns": "DC=council,DC=local"},
                {"name": "Schools AD", "site": site.pk, "server_urls": "ldap://dc1.schools.local",
                 "bind_user": "svc@schools.local", "password": "api-bind-pw-2", "base_dns": "DC=schools,DC=local"}]

    def test_password_is_write_only_and_the_placeholder_keeps_it(self):
        client = self.client_for(perm(DirectorySource, "add"), perm(DirectorySource, "change"),
                                 perm(DirectorySource, "view"))
        response = client.post(self.url, self.create_payloads()[0], format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["password"], PLACEHOLDER)
        self.assertNotIn(b"api-bind-pw-1", response.content)
        source = DirectorySource.objects.get(pk=response.json()["id"])
        self.assertEqual(source.password(), "api-bind-pw-1")
        self.assertTrue(source.secret_data.startswith("gAAAAA"))
        for url in (self.url, self.detail_url(source), f"{self.detail_url(source)}history/"):
            self.assertNotIn(b"api-bind-pw-1", client.get(url).content)
        self.assertEqual(client.patch(self.detail_url(source), {"password": PLACEHOLDER, "description": "x"},
                                      format="json").status_code, 200)
        source.refresh_from_db()
        self.assertEqual(source.password(), "api-bind-pw-1")
        client.patch(self.detail_url(source), {"password": "rotated-pw-2"}, format="json")
        source.refresh_from_db()
        self.assertEqual(source.password(), "rotated-pw-2")

    def test_a_new_source_needs_a_password_and_valid_settings(self):
        client = self.client_for(perm(DirectorySource, "add"), perm(DirectorySource, "view"))
        payload = self.create_payloads()[0]
        for change, field in (({"password": ""}, "password"), ({"base_dns": "not a dn"}, "base_dns"),
                              ({"ldap_filter": "(cn=x"}, "ldap_filter"), ({"ou_site_map": "OU=X,DC=a = nosuch"},
                                                                          "ou_site_map"),
                              ({"server_urls": "ldap://"}, "server_urls"), ({"ca_bundle": "junk"}, "ca_bundle")):
            response = client.post(self.url, {**payload, **change}, format="json")
            self.assertEqual(response.status_code, 400, change)
            self.assertIn(field, response.content.decode(), change)
        self.assertFalse(DirectorySource.objects.exists())


class DirectorySourceViewTest(ViewTestCases.CRUD):
    model = DirectorySource
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return DirectorySourceFactory()

    def form_data(self):
        return {"name": "Form AD", "site": SiteFactory().pk, "server_urls": "ldap://dc1.council.local",
                "bind_user": "svc@council.local", "password": "form-bind-pw-1", "base_dns": "DC=council,DC=local",
                "verify_tls": "on", "disabled_status": "offline"}

    def test_edit_form_never_shows_the_password_and_keeps_it(self):
        source = self.make()
        self.login("change", "view")
        response = self.client.get(self.url("edit", pk=source.pk))
        self.assertContains(response, f'value="{PLACEHOLDER}"')
        self.assertNotContains(response, "factory-bind-pw")
        self.assertNotContains(self.client.get(self.url("detail", pk=source.pk)), "factory-bind-pw")
        data = {**self.form_data(), "name": source.name, "password": PLACEHOLDER, "description": "edited"}
        self.assertEqual(self.client.post(self.url("edit", pk=source.pk), data).status_code, 302)
        source.refresh_from_db()
        self.assertEqual((source.password(), source.description), ("factory-bind-pw", "edited"))

    def test_plain_bind_is_shown_as_a_warning(self):
        source = DirectorySourceFactory(no_tls=True)
        self.login("view")
        self.assertContains(self.client.get(self.url("detail", pk=source.pk)), "password crosses the network in clear")

    def test_sync_now_needs_change_permission(self):
        source = self.make()
        self.client.force_login(UserFactory(perms=[perm(DirectorySource, "view")]))
        self.assertEqual(self.client.post(self.url("sync", pk=source.pk)).status_code, 403)
