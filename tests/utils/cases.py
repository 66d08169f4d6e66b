"""Reusable test cases: every model gets CRUD × permission tests for its API and its pages in a few lines.

    class SiteAPITest(APITestCases.CRUD):
        model = Site
        url = "/api/inventory/sites/"
        def make(self): return SiteFactory()
        def create_payloads(self): return [{"name": "A", "slug": "a"}, {"name": "B", "slug": "b"}]
        update_payload = {"description": "changed"}

tests/test_meta.py fails when a model has no such classes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from estate.services import token_create
from tests.factories import UserFactory

REGISTRY: dict[str, set[type[models.Model]]] = {"api": set(), "views": set()}


def perm(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def audit_entries(obj_or_model, pk=None, action=None):
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    pk = pk if pk is not None else obj_or_model.pk
    qs = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_pk=str(pk))
    return qs.filter(action=action) if action is not None else qs


class APITestCases:
    """Namespace (not collected): subclass its member classes."""

    class CRUD(TestCase):
        model: ClassVar[type[models.Model]]
        url: ClassVar[str]
        update_payload: ClassVar[dict[str, Any]] = {}
        invalid_payload: ClassVar[dict[str, Any]] = {}  # one payload that must be refused (400)

        def __init_subclass__(cls, **kwargs):
            super().__init_subclass__(**kwargs)
            if getattr(cls, "model", None) is not None:
                REGISTRY["api"].add(cls.model)

        def make(self) -> models.Model:
            raise NotImplementedError

        def create_payloads(self) -> list[dict[str, Any]]:
            raise NotImplementedError

        # --- helpers ---

        def client_for(self, *perms: str, write: bool = True) -> APIClient:
            user = UserFactory(perms=list(perms))
            _, key = token_create(user=user, write_enabled=write)
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_X_REQUEST_ID=f"test-{self.id()[-40:]}")
            client.user = user
            return client

        def detail_url(self, obj) -> str:
            return f"{self.url}{obj.pk}/"

        # --- anonymous: no credentials at all ---

        def test_anonymous_is_refused(self):
            obj = self.make()
            anonymous = APIClient()
            for method, url in (("get", self.url), ("get", self.detail_url(obj)), ("post", self.url),
                                ("patch", self.detail_url(obj)), ("delete", self.detail_url(obj))):
                response = getattr(anonymous, method)(url, {}, format="json")
                self.assertIn(response.status_code, (401, 403), f"{method} {url}")
                self.assertIn("error", response.json())
            self.assertTrue(self.model.objects.filter(pk=obj.pk).exists())

        # --- read ---

        def test_list_without_permission_is_forbidden(self):
            self.make()
            response = self.client_for().get(self.url)
            self.assertEqual(response.status_code, 403, response.content)

        def test_list_and_retrieve_with_permission(self):
            obj = self.make()
            client = self.client_for(perm(self.model, "view"), write=False)
            response = client.get(self.url)
            self.assertEqual(response.status_code, 200, response.content)
            body = response.json()
            self.assertIn(obj.pk, [row["id"] for row in body["results"]])
            self.assertEqual(body["count"], self.model.objects.count())
            response = client.get(self.detail_url(obj))
            self.assertEqual(response.status_code, 200, response.content)
            self.assertEqual(response.json()["id"], obj.pk)
            self.assertEqual(response.json()["display"], str(obj))

        # --- create ---

        def test_create_without_permission_is_forbidden(self):
            before = self.model.objects.count()
            client = self.client_for(perm(self.model, "view"))
            response = client.post(self.url, self.create_payloads()[0], format="json")
            self.assertEqual(response.status_code, 403, response.content)
            self.assertEqual(self.model.objects.count(), before)

        def test_read_only_token_cannot_write(self):
            obj = self.make()
            client = self.client_for(*(perm(self.model, a) for a in ("view", "add", "change", "delete")), write=False)
            before = self.model.objects.count()
            self.assertEqual(client.post(self.url, self.create_payloads()[0], format="json").status_code, 403)
            self.assertEqual(client.patch(self.detail_url(obj), self.update_payload, format="json").status_code, 403)
            self.assertEqual(client.delete(self.detail_url(obj)).status_code, 403)
            self.assertEqual(self.model.objects.count(), before)

        def test_create_with_permission_is_audited(self):
            client = self.client_for(perm(self.model, "add"), perm(self.model, "view"))
            response = client.post(self.url, self.create_payloads()[0], format="json")
            self.assertEqual(response.status_code, 201, response.content)
            obj = self.model.objects.get(pk=response.json()["id"])
            entry = audit_entries(obj, action=LogEntry.Action.CREATE).get()
            self.assertEqual(entry.actor, client.user)
            self.assertTrue(entry.cid.startswith("test-"))

        def test_bulk_create_is_all_or_nothing(self):
            client = self.client_for(perm(self.model, "add"), perm(self.model, "view"))
            payloads = self.create_payloads()
            before = self.model.objects.count()
            bad = [*payloads, {**payloads[0], **(self.invalid_payload or {"id": "x"})}]
            if self.invalid_payload:
                response = client.post(self.url, bad, format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertEqual(self.model.objects.count(), before)
            response = client.post(self.url, payloads, format="json")
            self.assertEqual(response.status_code, 201, response.content)
            self.assertEqual(self.model.objects.count(), before + len(payloads))

        def test_invalid_payload_is_refused_with_json_error(self):
            if not self.invalid_payload:
                self.skipTest("no invalid payload declared")
            client = self.client_for(perm(self.model, "add"))
            before = self.model.objects.count()
            response = client.post(self.url, {**self.create_payloads()[0], **self.invalid_payload}, format="json")
            self.assertEqual(response.status_code, 400, response.content)
            self.assertEqual(response.json()["error"]["status"], 400)
            self.assertEqual(self.model.objects.count(), before)

        # --- update ---

        def test_update_without_permission_is_forbidden(self):
            obj = self.make()
            response = self.client_for(perm(self.model, "view")).patch(self.detail_url(obj), self.update_payload,
                                                                       format="json")
            self.assertEqual(response.status_code, 403, response.content)

        def test_partial_update_with_permission_is_audited(self):
            obj = self.make()
            client = self.client_for(perm(self.model, "change"), perm(self.model, "view"))
            response = client.patch(self.detail_url(obj), self.update_payload, format="json")
            self.assertEqual(response.status_code, 200, response.content)
            obj.refresh_from_db()
            for field, value in self.update_payload.items():
                self.assertEqual(response.json()[field], value)
            entry = audit_entries(obj, action=LogEntry.Action.UPDATE).latest("timestamp")
            self.assertEqual(entry.actor, client.user)
            history = client.get(f"{self.detail_url(obj)}history/")
            self.assertEqual(history.status_code, 200)
            self.assertGreaterEqual(history.json()["count"], 1)

        def test_full_update_with_permission(self):
            obj = self.make()
            client = self.client_for(perm(self.model, "change"), perm(self.model, "view"))
            current = client.get(self.detail_url(obj)).json()
            payload = {**self.create_payloads()[0], **self.update_payload}
            payload = {k: v for k, v in payload.items() if k in current}
            response = client.put(self.detail_url(obj), payload, format="json")
            self.assertEqual(response.status_code, 200, response.content)

        # --- delete ---

        def test_delete_without_permission_is_forbidden(self):
            obj = self.make()
            response = self.client_for(perm(self.model, "view")).delete(self.detail_url(obj))
            self.assertEqual(response.status_code, 403, response.content)
            self.assertTrue(self.model.objects.filter(pk=obj.pk).exists())

        def test_delete_with_permission_is_audited(self):
            obj = self.make()
            pk = obj.pk
            client = self.client_for(perm(self.model, "delete"), perm(self.model, "view"))
            response = client.delete(self.detail_url(obj))
            self.assertEqual(response.status_code, 204, response.content)
            self.assertFalse(self.model.objects.filter(pk=pk).exists())
            self.assertTrue(audit_entries(self.model, pk=pk, action=LogEntry.Action.DELETE).exists())


class ViewTestCases:
    """Namespace (not collected): subclass its member classes."""

    class CRUD(TestCase):
        model: ClassVar[type[models.Model]]
        bulk_edit_data: ClassVar[dict[str, Any]] = {}

        def __init_subclass__(cls, **kwargs):
            super().__init_subclass__(**kwargs)
            if getattr(cls, "model", None) is not None:
                REGISTRY["views"].add(cls.model)

        def make(self) -> models.Model:
            raise NotImplementedError

        def form_data(self) -> dict[str, Any]:
            """Valid POST data for the add form."""
            raise NotImplementedError

        def url(self, action: str, **kwargs) -> str:
            return reverse(f"{self.model.url_name}_{action}", kwargs=kwargs or None)

        def login(self, *actions: str):
            user = UserFactory(perms=[perm(self.model, a) for a in actions])
            self.client.force_login(user)
            return user

        def test_anonymous_is_sent_to_login(self):
            obj = self.make()
            for url in (self.url("list"), self.url("detail", pk=obj.pk), self.url("add"),
                        self.url("edit", pk=obj.pk), self.url("delete", pk=obj.pk)):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302, url)
                self.assertTrue(response["Location"].startswith(reverse("login")), url)

        def test_pages_without_permission_are_forbidden(self):
            obj = self.make()
            self.login()
            for url in (self.url("list"), self.url("detail", pk=obj.pk), self.url("add"),
                        self.url("edit", pk=obj.pk), self.url("delete", pk=obj.pk)):
                self.assertEqual(self.client.get(url).status_code, 403, url)
            self.assertEqual(self.client.post(self.url("delete", pk=obj.pk)).status_code, 403)
            self.assertTrue(self.model.objects.filter(pk=obj.pk).exists())

        def test_list_detail_and_export_with_view_permission(self):
            obj = self.make()
            self.login("view")
            response = self.client.get(self.url("list"))
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, self.url("detail", pk=obj.pk))
            self.assertNotContains(response, self.url("add"))  # no add permission, no add button
            response = self.client.get(self.url("detail", pk=obj.pk))
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "Change history")
            for fmt in ("csv", "xlsx"):
                response = self.client.get(self.url("list"), {"export": fmt})
                self.assertEqual(response.status_code, 200)
                self.assertIn(f".{fmt}", response["Content-Disposition"])

        def test_view_only_user_cannot_write(self):
            obj = self.make()
            self.login("view")
            before = self.model.objects.count()
            self.assertEqual(self.client.post(self.url("add"), self.form_data()).status_code, 403)
            self.assertEqual(self.client.post(self.url("bulk_delete"), {"pk": [obj.pk], "_confirm": "1"}).status_code,
                             403)
            self.assertEqual(self.model.objects.count(), before)

        def test_create_with_permission_is_audited(self):
            user = self.login("add", "view")
            before = self.model.objects.count()
            response = self.client.post(self.url("add"), self.form_data())
            self.assertEqual(response.status_code, 302, getattr(response, "context", {}) and
                             response.context.get("form") and response.context["form"].errors)
            self.assertEqual(self.model.objects.count(), before + 1)
            obj = self.model.objects.latest("pk")
            entry = audit_entries(obj, action=LogEntry.Action.CREATE).get()
            self.assertEqual(entry.actor, user)
            self.assertTrue(entry.cid)

        def test_invalid_create_changes_nothing(self):
            self.login("add", "view")
            before = self.model.objects.count()
            response = self.client.post(self.url("add"), {})
            self.assertEqual(response.status_code, 400)
            self.assertEqual(self.model.objects.count(), before)

        def test_edit_with_permission(self):
            obj = self.make()
            self.login("change", "view")
            response = self.client.get(self.url("edit", pk=obj.pk))
            self.assertEqual(response.status_code, 200)
            form = response.context["form"]
            data = {}
            for name, field in form.fields.items():
                value = form[name].value()
                if value is None:
                    continue
                data[name] = [field.prepare_value(v) for v in value] if isinstance(value, list) else \
                    field.prepare_value(value)
            response = self.client.post(self.url("edit", pk=obj.pk), data)
            self.assertEqual(response.status_code, 302, response.context and response.context["form"].errors)

        def test_delete_with_permission_is_audited(self):
            obj = self.make()
            pk = obj.pk
            self.login("delete", "view")
            self.assertEqual(self.client.get(self.url("delete", pk=pk)).status_code, 200)
            response = self.client.post(self.url("delete", pk=pk))
            self.assertEqual(response.status_code, 302)
            self.assertFalse(self.model.objects.filter(pk=pk).exists())
            self.assertTrue(audit_entries(self.model, pk=pk, action=LogEntry.Action.DELETE).exists())

        def test_bulk_edit_and_bulk_delete(self):
            objs = [self.make(), self.make()]
            pks = [o.pk for o in objs]
            self.login("change", "delete", "view")
            if self.bulk_edit_data:
                response = self.client.post(self.url("bulk_edit"), {"pk": pks, "_apply": "1", **self.bulk_edit_data})
                self.assertEqual(response.status_code, 302, response.context and response.context["form"].errors)
                for obj in self.model.objects.filter(pk__in=pks):
                    for field, value in self.bulk_edit_data.items():
                        self.assertEqual(str(getattr(obj, field)), str(value))
            response = self.client.post(self.url("bulk_delete"), {"pk": pks})
            self.assertEqual(response.status_code, 200)  # the confirmation page
            self.assertEqual(self.model.objects.filter(pk__in=pks).count(), 2)
            response = self.client.post(self.url("bulk_delete"), {"pk": pks, "_confirm": "1"})
            self.assertEqual(response.status_code, 302)
            self.assertFalse(self.model.objects.filter(pk__in=pks).exists())
