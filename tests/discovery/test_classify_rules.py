"""Teach Estate: rules people write for unknown kit apply to the devices already found (preview, apply, audited),
to every later sweep, and travel as YAML."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from discovery.classify import classify, default_rules
from discovery.facts import facts_to_dict
from discovery.models import HostResult
from discovery.models_rules import ClassificationRule
from discovery.parsers import parse_snmp
from discovery.raw import Oid, SnmpReply
from discovery.reconcile import host_reconcile, reference_cache_clear
from discovery.services_rules import (
    classification_rule_save,
    draft_from_device,
    rule_apply,
    rule_preview,
    rules_export,
    rules_import,
    unidentified_devices,
)
from estate.context import audit_context
from inventory.models import Device
from tests import factories as f
from tests.utils.cases import APITestCases, ViewTestCases, perm

pytestmark = pytest.mark.django_db
ACME_OID = "1.3.6.1.4.1.99998.7.1"
ACME_DESCR = b"ACME-GW 4FXS (2.4.1)"


def acme_facts(address: str = "127.88.0.5"):
    return classify(parse_snmp(SnmpReply(address=address, port=161, varbinds={
        "1.3.6.1.2.1.1.1.0": ACME_DESCR, "1.3.6.1.2.1.1.2.0": Oid(ACME_OID), "1.3.6.1.2.1.1.5.0": b"acme-gw-1",
        "1.3.6.1.2.1.1.7.0": 72})))


def discovered_device() -> Device:
    """An Acme gateway found by a sweep (kind other: nothing knew it), with the run's stored facts."""
    reference_cache_clear()
    site = f.SiteFactory()
    facts = acme_facts()
    with audit_context(actor=None, request_id="job:test"):
        outcome = host_reconcile(facts=facts, site=site, source="snmp")
    run = f.DiscoveryRunFactory(site=site)
    HostResult.objects.create(run=run, address=facts.address, reachable=True, method="snmp",
                              device_id=outcome.device_id, action="created", facts=facts_to_dict(facts))
    return Device.objects.get(pk=outcome.device_id)


def test_an_unknown_device_is_listed_as_unidentified() -> None:
    device = discovered_device()
    assert device.kind == "other"
    assert list(unidentified_devices()) == [device]


def test_draft_preview_apply_and_the_next_sweep() -> None:
    device = discovered_device()
    draft = draft_from_device(device=device)
    assert draft.pk is None and draft.sys_object_id == ACME_OID
    draft.sys_object_id = "1.3.6.1.4.1.99998"
    draft.sys_descr = r"^ACME-GW (?P<model>\S+) \((?P<version>[\d.]+)\)"
    draft.manufacturer, draft.kind, draft.platform = "Acme", "voice_gateway", "Acme GW OS"
    draft.model, draft.version = "GW-{model}", "{version}"
    preview = rule_preview(rule=draft)  # a draft: nothing saved, nothing changed
    assert [p.device for p in preview] == [device]
    assert preview[0].changes["kind"] == ["other", "voice_gateway"]
    assert not ClassificationRule.objects.exists() and Device.objects.get(pk=device.pk).kind == "other"

    user = f.UserFactory()
    rule = classification_rule_save(rule=draft)
    assert rule_apply(rule=rule, user=user) == {"updated": 1, "unchanged": 0, "failed": 0}
    device.refresh_from_db()
    assert (device.kind, device.manufacturer.name, device.platform.name, device.os_version) == (
        "voice_gateway", "Acme", "Acme GW OS", "2.4.1")
    assert device.hardware_model.model == "GW-4FXS"
    entry = LogEntry.objects.get_for_object(device).order_by("-timestamp").first()
    assert entry.cid == f"rule:{rule.pk}" and entry.actor == user
    provenance = device.provenance.get(field="kind")
    assert (provenance.source, provenance.strength, provenance.detail) == ("rule", 65,
                                                                          f"taught rule {rule.name} (taught#1)")
    assert list(unidentified_devices()) == []
    assert rule_preview(rule=rule) == []  # applied: nothing left to change

    # every later sweep: the default rules now hold the taught rule
    later = classify(parse_snmp(SnmpReply(address="127.88.0.6", port=161, varbinds={
        "1.3.6.1.2.1.1.1.0": b"ACME-GW 8FXS (3.0)", "1.3.6.1.2.1.1.2.0": Oid("1.3.6.1.4.1.99998.9")})),
        default_rules())
    assert (later.kind, later.model, later.version) == ("voice_gateway", "GW-8FXS", "3.0")
    assert later.evidence_for("kind").source == "rule" and later.evidence_for("kind").strength == 65
    rule.enabled = False
    classification_rule_save(rule=rule)
    assert classify(parse_snmp(SnmpReply(address="x", port=161, varbinds={
        "1.3.6.1.2.1.1.2.0": Oid("1.3.6.1.4.1.99998.9")})), default_rules()).kind != "voice_gateway"


@pytest.mark.parametrize(("changes", "field"), [
    ({"sys_object_id": "", "sys_descr": ""}, "sys_object_id"), ({"sys_object_id": "1.3.x"}, "sys_object_id"),
    ({"sys_descr": "(unclosed"}, "sys_descr"), ({"manufacturer": "", "kind": ""}, "kind"),
    ({"model": "{nosuchgroup}"}, "model"),
])
def test_bad_rules_are_refused(changes: dict, field: str) -> None:
    rule = ClassificationRule(name="bad", sys_object_id="1.3.6.1.4.1.99998", manufacturer="Acme", kind="other")
    for key, value in changes.items():
        setattr(rule, key, value)
    with pytest.raises(ValidationError) as caught:
        classification_rule_save(rule=rule)
    assert field in caught.value.message_dict
    assert not ClassificationRule.objects.exists()


def test_export_and_import_round_trip() -> None:
    f.ClassificationRuleFactory(name="Acme gateways", sys_descr=r"^ACME-GW (?P<model>\S+)", model="{model}")
    text = rules_export()
    assert "Acme gateways" in text and "sys_object_id" in text
    ClassificationRule.objects.all().delete()
    assert rules_import(text=text) == {"created": 1, "updated": 0}
    assert rules_import(text=text) == {"created": 0, "updated": 1}
    assert ClassificationRule.objects.get().model == "{model}"


@pytest.mark.parametrize("text", ["rules: [", "just text",
                                  "rules:\n  - {name: x, match: {mibs: [X]}, set: {kind: ups}}",
                                  "rules:\n  - {name: ok, match: {sys_object_id: 1.3.6.1.4.1.5}, set: {kind: ups}}\n"
                                  "  - {name: bad, match: {sys_descr: '('}, set: {kind: ups}}"])
def test_a_bad_import_changes_nothing(text: str) -> None:
    with pytest.raises(ValidationError):
        rules_import(text=text)
    assert not ClassificationRule.objects.exists()


class ClassificationRuleAPITest(APITestCases.CRUD):
    model = ClassificationRule
    url = "/api/discovery/classification-rules/"
    update_payload = {"description": "changed"}
    invalid_payload = {"sys_descr": "(unclosed"}

    def make(self):
        return f.ClassificationRuleFactory()

    def create_payloads(self):
        return [{"name": "Acme gateways", "sys_object_id": "1.3.6.1.4.1.99998", "kind": "voice_gateway"},
                {"name": "Acme phones", "sys_descr": "^ACME-PH (?P<model>\\S+)", "model": "{model}",
                 "manufacturer": "Acme"}]

    def test_teach_from_a_device_preview_apply_export_import(self):
        device = discovered_device()
        client = self.client_for(perm(ClassificationRule, "view"), perm(ClassificationRule, "add"),
                                 perm(ClassificationRule, "change"), perm(Device, "view"), perm(Device, "change"))
        [row] = client.get(f"{self.url}unidentified/").json()["results"]
        assert row["id"] == device.pk
        draft = client.get(f"{self.url}draft/", {"device": device.pk}).json()
        assert draft["sys_object_id"] == ACME_OID
        draft.update({"kind": "voice_gateway", "manufacturer": "Acme", "name": "Acme gateways"})
        preview = client.post(f"{self.url}preview/", draft, format="json")
        assert preview.status_code == 200, preview.content
        assert [(p["device"], p["changes"]["kind"]) for p in preview.json()] == [
            (device.pk, ["other", "voice_gateway"])]
        assert client.post(f"{self.url}preview/", {**draft, "sys_descr": "("}, format="json").status_code == 400
        created = client.post(self.url, draft, format="json")
        assert created.status_code == 201, created.content
        rule_url = f"{self.url}{created.json()['id']}/"
        assert client.post(f"{rule_url}apply/").json() == {"updated": 1, "unchanged": 0, "failed": 0}
        assert Device.objects.get(pk=device.pk).kind == "voice_gateway"
        assert client.get(f"{rule_url}preview/").json() == []
        exported = client.get(f"{self.url}export/")
        assert exported.status_code == 200 and b"Acme gateways" in exported.content
        bad = client.post(f"{self.url}import/", {"yaml": "rules: ["}, format="json")
        assert bad.status_code == 400
        imported = client.post(f"{self.url}import/", {"yaml": exported.content.decode()}, format="json")
        assert imported.status_code == 201 and imported.json() == {"created": 0, "updated": 1}

    def test_apply_needs_the_right_to_change_devices(self):
        rule = self.make()
        client = self.client_for(perm(ClassificationRule, "view"), perm(ClassificationRule, "change"))
        assert client.post(f"{self.url}{rule.pk}/apply/").status_code == 403
        assert client.get(f"{self.url}draft/", {"device": "x"}).status_code == 403


class ClassificationRuleViewTest(ViewTestCases.CRUD):
    model = ClassificationRule
    bulk_edit_data = {"description": "bulk"}

    def make(self):
        return f.ClassificationRuleFactory()

    def form_data(self):
        return {"name": "Form rule", "enabled": "on", "sys_object_id": "1.3.6.1.4.1.99998.3", "kind": "pbx"}

    def test_teach_in_the_ui_from_the_unidentified_list(self):
        device = discovered_device()
        user = f.UserFactory(perms=[perm(ClassificationRule, a) for a in ("view", "add", "change")]
                             + [perm(Device, "view"), perm(Device, "change")])
        self.client.force_login(user)
        page = self.client.get("/discovery/unidentified/")
        self.assertContains(page, device.name)
        draft = self.client.get(f"/discovery/rules/draft/?device={device.pk}")
        self.assertEqual(draft.status_code, 302)
        form = self.client.get(draft["Location"])
        self.assertContains(form, ACME_OID)
        data = {"name": "Acme gateways", "enabled": "on", "sys_object_id": "1.3.6.1.4.1.99998", "kind": "voice_gateway",
                "manufacturer": "Acme"}
        preview = self.client.post("/discovery/rules/add/", {**data, "_preview": "1"})
        self.assertContains(preview, device.name)
        self.assertFalse(ClassificationRule.objects.exists())
        self.assertEqual(self.client.post("/discovery/rules/add/", data).status_code, 302)
        rule = ClassificationRule.objects.get()
        detail = self.client.get(rule.get_absolute_url())
        self.assertContains(detail, "Apply to 1 device")
        self.assertEqual(self.client.post(f"/discovery/rules/{rule.pk}/apply/").status_code, 302)
        self.assertEqual(Device.objects.get(pk=device.pk).kind, "voice_gateway")
        self.assertNotContains(self.client.get("/discovery/unidentified/"), device.name)
        exported = self.client.get("/discovery/rules/export/")
        self.assertEqual(exported.status_code, 200)
        bad = self.client.post("/discovery/rules/import/", {"text": "rules: ["})
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(self.client.post("/discovery/rules/import/", {"text": exported.content.decode()}).status_code,
                         302)
        self.assertEqual(self.client.get("/discovery/rules/draft/?device=abc").status_code, 400)
