"""Teach Estate a rule in a real browser: from the unidentified devices, draft, preview, save, apply; every page on
the way passes axe, and works at 390 px."""

from __future__ import annotations

import pytest

from discovery.models_rules import ClassificationRule
from inventory.models import Device
from tests.browser.conftest import axe_violations
from tests.discovery.test_classify_rules import ACME_OID, discovered_device

pytestmark = pytest.mark.browser


def test_teach_a_rule_from_an_unidentified_device(admin_page, live_server):
    page = admin_page
    page.set_viewport_size({"width": 390, "height": 844})
    device = discovered_device()
    page.goto(f"{live_server.url}/discovery/unidentified/")
    assert axe_violations(page) == []
    page.get_by_role("link", name=f"Teach a rule from {device.name}").click()
    page.wait_for_load_state("load")
    assert page.get_by_label("sysObjectID prefix").input_value() == ACME_OID
    page.get_by_label("sysObjectID prefix").fill("1.3.6.1.4.1.99998")
    page.get_by_label("Kind").select_option("voice_gateway")
    page.get_by_label("Manufacturer").fill("Acme")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state("load")
    preview = page.get_by_role("region", name="Devices this rule would change (1)")
    assert device.name in preview.inner_text()
    assert axe_violations(page) == []
    assert not ClassificationRule.objects.exists()  # a preview saves nothing
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state("load")
    rule = ClassificationRule.objects.get()
    page.goto(f"{live_server.url}{rule.get_absolute_url()}")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Apply to 1 device").click()
    page.wait_for_load_state("load")
    assert "1 devices updated" in page.locator("body").inner_text()
    assert Device.objects.get(pk=device.pk).kind == "voice_gateway"
    page.goto(f"{live_server.url}/discovery/unidentified/")
    assert device.name not in page.locator("main").inner_text()
