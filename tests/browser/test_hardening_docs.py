"""The API docs work offline under the Content-Security-Policy (issue 15, item 6): Swagger UI and ReDoc render from
the vendored bundles, load nothing from other origins and hit no CSP violation, except one: ReDoc's bundle shows a
"Redocly" logo from cdn.redoc.ly, which the policy blocks (no request leaves the browser) and ReDoc then hides."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize(("path", "selector"), [("/api/docs/", ".swagger-ui .opblock"),
                                                ("/api/redoc/", "[role=search], .api-content")])
def test_api_docs_render_offline_without_csp_violations(admin_page, live_server, path, selector):
    page = admin_page
    origins, problems = [], []
    page.on("requestfinished", lambda request: origins.append(request.url))  # CSP-blocked ones never finish
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text or "Refused" in message.text else None)
    page.goto(path)
    page.wait_for_selector(selector, timeout=60_000)
    problems = [text for text in problems if "cdn.redoc.ly/redoc/logo-mini.svg" not in text]
    assert not problems, problems
    foreign = [url for url in origins if not url.startswith((live_server.url, "data:", "blob:"))]
    assert not foreign, foreign
