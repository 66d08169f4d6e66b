"""The lifecycle API beyond CRUD: read-only findings with filters, the evaluate job, unmatched versions."""

from __future__ import annotations

import datetime as dt

from django.test import TestCase
from rest_framework.test import APIClient

from estate.models import Job
from estate.services import token_create
from inventory.choices import DeviceKindChoices as K
from inventory.choices import FindingReasonChoices as R
from inventory.choices import LifecyclePolicyRuleChoices as Rule
from inventory.models import LifecyclePolicy, VersionMapping
from inventory.services_findings import findings_evaluate
from tests import factories as f
from tests.lifecycle import factories as lf


def api_for(*perms: str, write: bool = True) -> APIClient:
    _, key = token_create(user=f.UserFactory(perms=list(perms)), write_enabled=write)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


class FindingsApiTest(TestCase):
    def setUp(self):
        LifecyclePolicy.objects.filter(rule=Rule.WARRANTY).update(days=90)
        self.hall, self.depot = f.SiteFactory(slug="hall"), f.SiteFactory(slug="depot")
        self.pc = f.DeviceFactory(site=self.hall, kind=K.DESKTOP, warranty_end=dt.date(2020, 1, 1))
        self.srv = f.DeviceFactory(site=self.depot, kind=K.SERVER, warranty_end=dt.date(2020, 1, 1),
                                   purchase_date=dt.date(2010, 1, 1))
        findings_evaluate(as_of=dt.date(2027, 1, 1))

    def test_filters(self):
        api = api_for("inventory.view_finding")
        body = api.get("/api/lifecycle/findings/", {"site": "depot"}).json()
        self.assertEqual({r["device"] for r in body["results"]}, {self.srv.pk})
        body = api.get("/api/lifecycle/findings/", {"reason": R.PAST_REPLACEMENT_CYCLE}).json()
        self.assertEqual([(r["device"], r["severity"]) for r in body["results"]], [(self.srv.pk, "medium")])
        body = api.get("/api/lifecycle/findings/", {"kind": K.DESKTOP, "severity": "low"}).json()
        self.assertEqual([r["reason"] for r in body["results"]], [R.WARRANTY_EXPIRED])
        self.assertEqual(api.get("/api/lifecycle/findings/", {"severity": "apocalyptic"}).status_code, 400)

    def test_read_only(self):
        finding = self.pc.findings.first()
        api = api_for("inventory.view_finding", "inventory.add_finding", "inventory.change_finding",
                      "inventory.delete_finding")
        self.assertEqual(api.post("/api/lifecycle/findings/", {}, format="json").status_code, 405)
        self.assertEqual(api.delete(f"/api/lifecycle/findings/{finding.pk}/").status_code, 405)
        self.assertEqual(api_for().get("/api/lifecycle/findings/").status_code, 403)

    def test_device_api_filters_by_findings(self):
        api = api_for("inventory.view_device")
        ids = {d["id"] for d in api.get("/api/inventory/devices/", {"finding": R.PAST_REPLACEMENT_CYCLE}).json()[
            "results"]}
        self.assertEqual(ids, {self.srv.pk})
        ids = {d["id"] for d in api.get("/api/inventory/devices/", {"finding_severity": "low"}).json()["results"]}
        self.assertEqual(ids, {self.pc.pk, self.srv.pk})


class EvaluateApiTest(TestCase):
    def test_starts_a_job(self):
        response = api_for("inventory.change_finding").post("/api/lifecycle/evaluate/", {}, format="json")
        self.assertEqual(response.status_code, 202, response.content)
        job = Job.objects.get(pk=response.json()["job"])
        self.assertEqual((job.kind, job.kwargs), ("lifecycle", {}))
        response = api_for("inventory.change_finding").post("/api/lifecycle/evaluate/", {"device_ids": [1, 2]},
                                                              format="json")
        self.assertEqual(Job.objects.get(pk=response.json()["job"]).kwargs, {"device_ids": [1, 2]})

    def test_refused(self):
        self.assertEqual(api_for("inventory.view_finding").post("/api/lifecycle/evaluate/").status_code, 403)
        self.assertEqual(api_for("inventory.change_finding", write=False).post("/api/lifecycle/evaluate/")
                         .status_code, 403)
        bad = api_for("inventory.change_finding").post("/api/lifecycle/evaluate/", {"device_ids": "all"},
                                                       format="json")
        self.assertEqual(bad.status_code, 400)
        self.assertFalse(Job.objects.exists())


class UnmatchedApiTest(TestCase):
    def test_list_and_map(self):
        platform = f.PlatformFactory(name="Acme Phone Firmware", slug="acme")
        devices = [f.DeviceFactory(platform=platform, os_version="AP-7 build 1") for _ in range(2)]
        cycle = lf.LifecycleCycleFactory(match=["=never"], end_of_security_support=dt.date(2020, 1, 1))
        api = api_for("inventory.view_finding", "inventory.add_versionmapping", "inventory.change_versionmapping")
        body = api.get("/api/lifecycle/unmatched/").json()
        row = [r for r in body["results"] if r["platform_id"] == platform.pk][0]
        self.assertEqual((row["version"], row["devices"]), ("AP-7 build 1", 2))
        response = api.post("/api/lifecycle/unmatched/", {"platform": platform.pk, "version": "AP-7 build 1",
                                                          "cycle": cycle.pk}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["evaluation"]["devices"], 2)
        self.assertEqual(VersionMapping.objects.get().cycle, cycle)
        for device in devices:
            self.assertTrue(device.findings.filter(reason=R.OS_END_OF_SUPPORT).exists())
        refused = api_for("inventory.view_finding").post("/api/lifecycle/unmatched/", {"cycle": cycle.pk},
                                                         format="json")
        self.assertEqual(refused.status_code, 403)
