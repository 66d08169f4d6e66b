"""The programme in a real browser, on the demo programme: its page, the committee report, a wave's pre-flight and a
device's waves — axe 0 violations wide and at 390 px, no page-wide sideways scroll, money never wrapping; and the
keyboard-only paths: add a wave from the programme page, and a run refused by pre-flight with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from inventory.demo import demo_estate_load
from inventory.models import Device
from migration_plans.demo import PROGRAMME, demo_programme_load
from migration_plans.models import Programme, Wave
from tests.browser.conftest import axe_violations
from tests.browser.test_flows import tab_until

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def demo(transactional_db):
    demo_estate_load()
    demo_programme_load()
    return Programme.objects.get(name=PROGRAMME)


def pages(programme: Programme) -> dict[str, str]:
    desktops = Wave.objects.get(programme=programme, name__startswith="Wave 2")
    return {
        "programme": programme.get_absolute_url(),
        "report": reverse("migration_plans:programme_report", kwargs={"pk": programme.pk}),
        "wave pre-flight": desktops.get_absolute_url(),
        "device waves": Device.objects.get(name="th-pc-001").get_absolute_url(),
    }


def test_programme_report_preflight_and_device_pages_wide_and_at_390px(admin_page, demo):
    page = admin_page
    found = {}
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for label, url in pages(demo).items():
            assert page.goto(url).status == 200, url
            page.wait_for_load_state("load")
            violations = axe_violations(page)
            if violations:
                found[f"{label} @ {width}px"] = violations
            if width == 390:
                # tables scroll inside their card: the page itself never scrolls sideways
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
                    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                                  && !el.closest('.table-responsive'))
                    .slice(0, 3).map(el => el.tagName + '.' + el.className + ' ' + el.textContent.slice(0, 40))""")
                assert overflow <= 1, f"{label}: {overflow}px sideways at 390px: {wide}"
                # money and numbers never wrap mid-value
                wrapped = page.evaluate("""() => [...document.querySelectorAll('td.text-nowrap')]
                    .filter(td => td.textContent.includes('£') && getComputedStyle(td).whiteSpace !== 'nowrap')
                    .length""")
                assert wrapped == 0, label
    page.set_viewport_size({"width": 1400, "height": 900})
    assert not found, "\n".join(f"{label}: [{v['impact']}] {v['rule']}: {v['help']} {n['target']} {n['html']}"
                                 for label, vs in found.items() for v in vs for n in v["nodes"])
    page.goto(pages(demo)["programme"])
    text = page.locator("main").inner_text()
    for expected in ("Blue: completed", "Green: in delivery", "Amber: planned for later", "Red: to be scheduled",
                     "Exception", "over budget", "Burndown"):
        assert expected in text, expected
    assert "£-" not in text
    page.goto(pages(demo)["report"])
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".burndown svg").screenshot(path=str(ARTIFACTS / "programme-burndown.png"))  # to look at
    page.goto(pages(demo)["device waves"])
    assert "Wave 2: Town Hall desktops to laptops" in page.locator("main").inner_text()


def test_keyboard_only_add_wave_from_the_programme_page(admin_page, demo):
    page = admin_page
    page.goto(demo.get_absolute_url())
    tab_until(page, "el.tagName === 'A' && el.textContent.trim() === 'Add wave'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/programme/waves/add/**")
    assert page.locator("#id_programme").input_value() == str(demo.pk)  # the programme comes with it
    tab_until(page, "el.id === 'id_name'")
    page.keyboard.type("Wave 6: Riverside switches")
    tab_until(page, "el.id === 'id_kind'")
    page.keyboard.type("Server")  # type-ahead in the closed kind <select>
    tab_until(page, "el.id === 'id_owner'")
    page.keyboard.type("Network team")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a text field submits the form
    wave = Wave.objects.get(name="Wave 6: Riverside switches")
    assert wave.programme == demo and wave.kind == "server_replacement" and wave.owner == "Network team"
    page.goto(wave.get_absolute_url())
    assert "Red: to be scheduled" in page.locator("h1").inner_text()  # a new wave: to be scheduled, no exception


def test_keyboard_only_run_is_refused_by_preflight_with_the_reason(admin_page, demo):
    page = admin_page
    wave = Wave.objects.get(programme=demo, name__startswith="Wave 2")
    page.goto(wave.get_absolute_url())
    assert "Pre-flight" in page.locator("#preflight").inner_text()
    tab_until(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Start run'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Nothing to run: 0 of" in page.locator("main").inner_text()
    assert not wave.playbook_runs.exists()
