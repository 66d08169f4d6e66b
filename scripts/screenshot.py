"""Take docs/screenshot.png: log in to a running Estate and capture the dashboard with headless Chromium.

    bash scripts/run &                       # Estate with the demo data on http://127.0.0.1:8000
    .venv/bin/python scripts/screenshot.py   # [--url http://127.0.0.1:8000] [--password-file var/admin_password]

Uses Debian's /usr/bin/chromium through Playwright (never `playwright install`); loopback only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password-file", type=Path, default=ROOT / "var" / "admin_password")
    parser.add_argument("--page", default="/", help="path to capture after logging in")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    args = parser.parse_args()

    password = args.password_file.read_text().strip()
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=ARGS, headless=True, viewport={"width": 1400, "height": 900},
            locale="en-GB", device_scale_factor=1,
        )
        page = browser.new_page()
        page.goto(f"{args.url}/login/?next={args.page}")
        page.fill("input[name=username]", args.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/login/" in page.url:
            print(f"login failed as {args.username}", file=sys.stderr)
            return 1
        page.wait_for_timeout(1000)  # charts finish animating
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=False)
        browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
