"""CRUD × permission tests for the lifecycle catalogue, hardware notices, version mappings and policies."""

from __future__ import annotations

from inventory import models as inv
from tests import factories as f
from tests.lifecycle import factories as lf
from tests.utils.cases import APITestCases, ViewTestCases

API = "/api/lifecycle/"


class LifecycleProductAPITest(APITestCases.CRUD):
    model = inv.LifecycleProduct
    url = API + "products/"
    update_payload = {"vendor": "Canonical"}
    invalid_payload = {"platform_names": "not a list"}

    def make(self):
        return lf.LifecycleProductFactory()

    def create_payloads(self):
        return [{"slug": "aa-acme-os", "name": "Acme OS", "kind": "os", "platform_names": ["Acme OS"],
                 "source": "https://example.test/acme"},
                {"slug": "aa-acme-fw", "name": "Acme Firmware", "kind": "firmware", "platform_names": ["AcmeFW"],
                 "source": "https://example.test/acmefw"}]

    def test_api_write_marks_the_row_manual(self):
        client = self.client_for("inventory.add_lifecycleproduct", "inventory.view_lifecycleproduct")
        response = client.post(self.url, {**self.create_payloads()[0], "origin": "shipped"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["origin"], "manual")


class LifecycleProductViewTest(ViewTestCases.CRUD):
    model = inv.LifecycleProduct
    bulk_edit_data = {"vendor": "Acme"}

    def make(self):
        return lf.LifecycleProductFactory()

    def form_data(self):
        return {"slug": "aa-acme-os", "name": "Acme OS", "kind": "os", "platform_names": "Acme OS\nAcmeOS",
                "source": "https://example.test/acme"}


class LifecycleCycleAPITest(APITestCases.CRUD):
    model = inv.LifecycleCycle
    url = API + "cycles/"
    update_payload = {"end_of_security_support": "2031-03-31"}
    invalid_payload = {"end_of_security_support": "2019-01-01", "release_date": "2020-01-01"}

    def setUp(self):
        self.product = lf.LifecycleProductFactory()

    def make(self):
        return lf.LifecycleCycleFactory(product=self.product)

    def create_payloads(self):
        return [{"product": self.product.pk, "cycle": "9.1", "match": ["9.1"], "end_of_security_support": "2030-01-01",
                 "source": "https://example.test/9"},
                {"product": self.product.pk, "cycle": "9.2", "match": ["re:^9\\.2"], "security_support_ended": True}]

    def test_bad_match_rule_is_refused(self):
        client = self.client_for("inventory.add_lifecyclecycle")
        response = client.post(self.url, {**self.create_payloads()[0], "match": ["re:(unclosed"]}, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("match", response.json()["error"]["detail"])


class LifecycleCycleViewTest(ViewTestCases.CRUD):
    model = inv.LifecycleCycle
    bulk_edit_data = {"confidence": "low"}

    def make(self):
        return lf.LifecycleCycleFactory()

    def form_data(self):
        return {"product": lf.LifecycleProductFactory().pk, "cycle": "9.1", "label": "Acme 9.1",
                "end_of_security_support": "2030-01-01", "match": "9.1\nre:^acme 9\\.1", "confidence": "high"}


class HardwareNoticeAPITest(APITestCases.CRUD):
    model = inv.HardwareNotice
    url = API + "hardware-notices/"
    update_payload = {"replacement": "AA-SWITCH-NG"}
    invalid_payload = {"end_of_sale": "2030-01-01", "end_of_support": "2025-01-01"}

    def make(self):
        return lf.HardwareNoticeFactory()

    def create_payloads(self):
        return [{"manufacturer": "Acme", "model": "X100", "end_of_support": "2028-01-31",
                 "source": "https://example.test/x100"},
                {"manufacturer": "Acme", "model": "X200", "end_of_sale_passed": True,
                 "source": "https://example.test/x200"}]


class HardwareNoticeViewTest(ViewTestCases.CRUD):
    model = inv.HardwareNotice
    bulk_edit_data = {"replacement": "Newer kit"}

    def make(self):
        return lf.HardwareNoticeFactory()

    def form_data(self):
        return {"manufacturer": "Acme", "model": "X100", "end_of_support": "2028-01-31",
                "source": "https://example.test/x100", "confidence": "medium", "match": "X100\nX-100"}


class VersionMappingAPITest(APITestCases.CRUD):
    model = inv.VersionMapping
    url = API + "version-mappings/"
    update_payload = {"notes": "checked with the supplier"}
    invalid_payload = {"cycle": 987654}

    def setUp(self):
        self.cycle = lf.LifecycleCycleFactory()
        self.platform = f.PlatformFactory()

    def make(self):
        return lf.VersionMappingFactory(cycle=self.cycle)

    def create_payloads(self):
        return [{"platform": self.platform.pk, "version": "Acme 9 SP1", "cycle": self.cycle.pk},
                {"platform": None, "version": "AcmeOS nine", "cycle": self.cycle.pk}]


class VersionMappingViewTest(ViewTestCases.CRUD):
    model = inv.VersionMapping
    bulk_edit_data = {"notes": "bulk"}

    def make(self):
        return lf.VersionMappingFactory()

    def form_data(self):
        return {"platform": f.PlatformFactory().pk, "version": "Acme 9 SP1", "cycle": lf.LifecycleCycleFactory().pk}


class LifecyclePolicyAPITest(APITestCases.CRUD):
    model = inv.LifecyclePolicy
    url = API + "policies/"
    update_payload = {"minimum_version": "15.2(7)E8"}
    invalid_payload = {"rule": "replacement_cycle", "years": None, "platform": None, "minimum_version": ""}

    def setUp(self):
        self.platform = f.PlatformFactory()

    def make(self):
        return lf.MinimumVersionPolicyFactory()

    def create_payloads(self):
        return [{"name": "Aa IOS minimum", "rule": "minimum_version", "platform": self.platform.pk,
                 "minimum_version": "15.2(7)E6"},
                {"name": "Aa replace UPSs after 10 years", "rule": "replacement_cycle", "device_kind": "ups",
                 "years": 10}]


class LifecyclePolicyViewTest(ViewTestCases.CRUD):
    model = inv.LifecyclePolicy
    bulk_edit_data = {"severity": "critical"}

    def make(self):
        return lf.MinimumVersionPolicyFactory()

    def form_data(self):
        return {"name": "Aa replace UPSs after 10 years", "rule": "replacement_cycle", "device_kind": "ups",
                "years": "10", "enabled": "on"}
