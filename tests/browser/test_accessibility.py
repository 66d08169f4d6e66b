"""axe-core finds 0 WCAG 2.2 AA violations on every page type, and the keyboard basics (skip link, visible focus) work.

The list of pages is discovered from the URL resolver: every URL name ending in `_list` in any app namespace, and for
each the `_add`, `_detail`, `_edit` and `_delete` pages beside it, so a new model or app is checked without touching
this file. Objects come from tests/factories.py (a factory per model is part of the "adding a model" checklist).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest
from django.db import models
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests import factories
from tests.browser.conftest import axe_violations
from tests.browser.estate_data import build_estate
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SKIP_NAMESPACES = {"admin"}  # Django's admin is third-party UI, not ours to fix
NOT_PAGES = {"login", "logout", "health"}  # checked elsewhere, or not a page


@dataclass
class ModelPages:
    prefix: str  # "inventory:device"
    model: type[models.Model] | None


def iter_url_names(patterns=None, namespace: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIP_NAMESPACES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from iter_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def discover_list_pages() -> list[ModelPages]:
    """Every `<prefix>_list` page that takes no arguments, with the model its view shows (None for plain views)."""
    pages = []
    for name, pattern in iter_url_names():
        if not name.endswith("_list"):
            continue
        try:
            reverse(name)
        except NoReverseMatch:
            continue
        model = getattr(getattr(pattern.callback, "view_class", None), "model", None)
        pages.append(ModelPages(prefix=name.removesuffix("_list"), model=model))
    return pages


def _factory_for(model):
    for _, obj in inspect.getmembers(factories, inspect.isclass):
        if getattr(getattr(obj, "_meta", None), "model", None) is model:
            return obj
    return None


def _reverse_or_none(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


class Sweep:
    """Visits pages and collects {page label: violations}; the test asserts the collection is empty."""

    def __init__(self, page):
        self.page = page
        self.found: dict[str, list[dict]] = {}
        self.checked: list[str] = []
        self.urls: set[str] = set()

    def check(self, label: str, disabled_rules: tuple[str, ...] = ()) -> None:
        self.page.wait_for_load_state("load")
        violations = axe_violations(self.page, disabled_rules)
        self.checked.append(label)
        if violations:
            self.found[label] = violations

    def visit(self, url: str, label: str | None = None, status: int | None = 200) -> None:
        response = self.page.goto(url)
        self.urls.add(url)
        if status is not None:
            assert response.status == status, f"{url}: HTTP {response.status}"
        self.check(label or url)

    def report(self) -> str:
        lines = []
        for label, violations in self.found.items():
            lines.append(f"\n== {label}")
            for v in violations:
                lines.append(f"  [{v['impact']}] {v['rule']}: {v['help']}")
                lines.extend(f"      {n['target']}  {n['html']}\n        {n['why']}" for n in v["nodes"])
        return "\n".join(lines)


def _submit_invalid(page, clear_required: bool) -> None:
    """Submit the edit form so it comes back with errors: blank every required text box (or submit it empty)."""
    form = page.locator("main form[method=post]").first
    if clear_required:
        boxes = form.locator("input[required]:not([type=checkbox]):not([type=hidden]), textarea[required]")
        for index in range(boxes.count()):
            boxes.nth(index).fill("")
    form.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state("load")


def _bulk_action(page, sweep: Sweep, button: str, label: str) -> None:
    """From the list page on screen: tick every row, press the bulk button, check the page it leads to."""
    if page.get_by_role("button", name=button).count() == 0 or page.locator("input[name=pk]").count() == 0:
        return
    page.get_by_role("checkbox", name="Select all rows on this page").check()
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state("load")
    assert page.locator("h1").first.inner_text().startswith(("Edit", "Delete")), page.url
    sweep.check(label)


LIST_PAGES = discover_list_pages()
FIRST_OF_APP = {}  # the first list of each app namespace also checks the templates its models share
for _entry in LIST_PAGES:
    FIRST_OF_APP.setdefault(_entry.prefix.rpartition(":")[0], _entry.prefix)


def test_pages_are_discovered():
    prefixes = {entry.prefix for entry in LIST_PAGES}
    assert {"inventory:device", "inventory:site", "inventory:dependency"} <= prefixes, prefixes


@pytest.mark.parametrize("entry", LIST_PAGES, ids=lambda entry: entry.prefix)
def test_model_pages_have_no_axe_violations(admin_page, entry):
    """List (with data, filtered, empty), bulk edit, add form, detail, edit form with errors; per app also the
    bulk delete and delete confirmations (one shared template)."""
    page = admin_page
    build_estate()
    sweep = Sweep(page)
    first_of_app = FIRST_OF_APP[entry.prefix.rpartition(":")[0]] == entry.prefix
    list_url = reverse(f"{entry.prefix}_list")
    obj = None
    if entry.model is not None:
        obj = entry.model._default_manager.first()
        factory = _factory_for(entry.model)
        if obj is None and factory is not None:
            obj = factory()
    sweep.visit(list_url, f"{entry.prefix} list")
    if entry.model is not None and obj is None:
        sweep.visit(f"{list_url}?q=no-such-thing-anywhere", f"{entry.prefix} list, filtered to nothing (empty)")
        if add_url := _reverse_or_none(f"{entry.prefix}_add"):
            sweep.visit(add_url, f"{entry.prefix} add form")
        assert not sweep.found, sweep.report()
        pytest.fail(f"{entry.prefix}: its detail/edit pages cannot be checked: add a factory for "
                    f"{entry.model.__name__} to tests/factories.py")
    if entry.model is not None:
        # Bulk edit (each model has its own form), reached the way a person does: tick rows, press the button.
        _bulk_action(page, sweep, "Edit selected", f"{entry.prefix} bulk edit")
        sweep.visit(f"{list_url}?q=no-such-thing-anywhere", f"{entry.prefix} list, filtered to nothing (empty)")
        sweep.visit(f"{list_url}?q={str(obj).split()[0][:6]}&per_page=25", f"{entry.prefix} list, filtered")
        if first_of_app:
            _bulk_action(page, sweep, "Delete selected", f"{entry.prefix} bulk delete confirmation")
        if add_url := _reverse_or_none(f"{entry.prefix}_add"):
            sweep.visit(add_url, f"{entry.prefix} add form")
        if detail_url := _reverse_or_none(f"{entry.prefix}_detail", pk=obj.pk):
            sweep.visit(detail_url, f"{entry.prefix} detail")
        if edit_url := _reverse_or_none(f"{entry.prefix}_edit", pk=obj.pk):
            page.goto(edit_url)
            _submit_invalid(page, clear_required=True)
            sweep.check(f"{entry.prefix} edit form with validation errors")
        if first_of_app and (delete_url := _reverse_or_none(f"{entry.prefix}_delete", pk=obj.pk)):
            sweep.visit(delete_url, f"{entry.prefix} delete confirmation")
    assert not sweep.found, f"axe found violations on {len(sweep.found)} of {len(sweep.checked)} pages:" + (
        sweep.report())


def test_dashboard_search_and_every_other_page_have_no_axe_violations(admin_page):
    page = admin_page
    build_estate()
    sweep = Sweep(page)
    sweep.visit("/", "home dashboard (charts)")
    assert page.locator("canvas#chart-kind").count() == 1
    sweep.visit("/search/?q=web", "search results")
    sweep.visit("/search/?q=no-such-thing-anywhere", "search, nothing found")
    sweep.visit("/changelog/", "change log")
    # The rest: every other page that takes no arguments (dashboards, import, jobs...), whatever app it is in.
    covered = {_reverse_or_none(f"{entry.prefix}_{kind}") for entry in LIST_PAGES for kind in ("list", "add")}
    for name, _ in iter_url_names():
        url = _reverse_or_none(name)
        if url is None or url in covered | sweep.urls or url.startswith(("/api/", "/admin/")) or name in NOT_PAGES:
            continue
        sweep.urls.add(url)
        response = page.request.get(url, max_redirects=0)  # no page load for what is not an HTML page
        if response.status == 200 and "text/html" in response.headers.get("content-type", ""):
            page.goto(url)
            sweep.check(f"{name} ({url})")
    assert not sweep.found, f"axe found violations on {len(sweep.found)} of {len(sweep.checked)} pages:" + (
        sweep.report())


def test_login_tokens_and_error_pages_have_no_axe_violations(page, login_as, superuser):
    sweep = Sweep(page)
    sweep.visit("/login/", "login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").count() == 1
    sweep.check("login with an error")
    sweep.visit("/no-such-page/", "404 (logged out)", status=404)

    login_as(superuser)
    sweep.visit("/user/tokens/", "API tokens")
    page.get_by_label("Description").fill("Backup script")
    page.get_by_role("button", name="Create token").click()
    assert page.get_by_label("Token", exact=True).input_value()
    sweep.check("API tokens with a just-created key")
    sweep.visit("/inventory/devices/999999/", "404 (no such device)", status=404)
    sweep.visit("/no-such-page/", "404", status=404)

    login_as(UserFactory(username="nobody"))
    sweep.visit("/inventory/devices/", "403 (no permission)", status=403)
    assert "permission" in page.locator("main").inner_text().lower()

    assert not sweep.found, sweep.report()


# Swagger UI is third-party (drf-spectacular-sidecar's bundle). estate/templates/drf_spectacular/swagger_ui.html fixes
# what can be fixed from outside it (lang, contrast, target size); this rule cannot be:
# - nested-interactive: each operation's summary is a <button> that contains the operation's deep link <a>; that
#   markup is generated by Swagger UI's React components (OperationSummary), so only upstream can change it.
SWAGGER_UI_DISABLED_RULES: tuple[str, ...] = ("nested-interactive",)


def test_api_docs_page_has_no_axe_violations(admin_page):
    page = admin_page
    sweep = Sweep(page)
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=60_000)
    sweep.check("API docs (Swagger UI)", disabled_rules=SWAGGER_UI_DISABLED_RULES)
    assert not sweep.found, sweep.report()


def test_skip_link_and_visible_focus(admin_page):
    page = admin_page
    page.goto("/inventory/devices/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    box = skip.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0, "the skip link is not shown when focused"
    outline = skip.evaluate("el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }")
    assert outline[0] != "none" and outline[1] != "0px", outline
    page.keyboard.press("Enter")
    page.wait_for_url("**#main", timeout=5000)  # the fragment navigation completes after the key press returns
    assert page.evaluate("document.activeElement.id") == "main"
    # Focus moved into the content: the next Tab lands on the first control in <main>, not back in the navbar.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
    focused = page.locator(":focus")
    outline = focused.evaluate("el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }")
    assert outline[0] != "none" and outline[1] != "0px", f"no visible focus on {focused.evaluate('e => e.outerHTML')}"
