"""What the discovery commands (discover, discover_ad) share: the site a run goes to and a progress bar."""

from __future__ import annotations

import sys
import threading

from django.core.management.base import CommandError

from estate.models import Job
from inventory.models import Site


def cli_site(slug: str | None) -> Site:
    """The site named, the only site, or a "Discovered" site made for the purpose."""
    if slug:
        site = Site.objects.filter(slug=slug).first()
        if site is None:
            raise CommandError(f"No site with slug {slug!r}.")
        return site
    if Site.objects.count() == 1:
        return Site.objects.get()
    site, _ = Site.objects.get_or_create(slug="discovered", defaults={"name": "Discovered"})
    return site


def cli_progress(job_id: int, worker: threading.Thread, unit: str) -> None:
    """A progress bar on stderr (stdout stays clean for --json), until the job's thread ends."""
    err = sys.stderr
    shown = None
    while worker.is_alive():
        job = Job.objects.filter(pk=job_id).values("progress_done", "progress_total").first()
        state = (job["progress_done"], job["progress_total"]) if job else None
        if state and state != shown and state[1]:
            done, total = state
            filled = int(30 * done / total)
            err.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {unit}")
            err.flush()
            shown = state
        worker.join(0.3)  # not sleep: return as soon as the job ends
    if shown:
        err.write("\n")
