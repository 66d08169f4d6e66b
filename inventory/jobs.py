"""Background jobs of the inventory: the lifecycle re-evaluation (daily schedule, after discovery, on demand)."""

from __future__ import annotations

from estate.jobs import JobRunner


class LifecycleJob(JobRunner):
    """Recompute lifecycle findings for every device (or the `device_ids` given) and log what changed."""

    kind = "lifecycle"
    time_limit = 1800

    def run(self, *, device_ids: list[int] | None = None, as_of: str | None = None) -> dict:
        from datetime import date

        from inventory.services_findings import findings_evaluate

        scope = "all devices" if device_ids is None else f"{len(device_ids)} device(s)"
        self.progress(0, 1)
        self.log(f"Re-evaluating lifecycle findings for {scope}.")
        summary = findings_evaluate(device_ids=device_ids, as_of=date.fromisoformat(as_of) if as_of else None)
        self.log(
            f"{summary['devices']} devices, {summary['findings']} findings: {summary['created']} new, "
            f"{summary['updated']} changed, {summary['deleted']} cleared, {summary['unchanged']} unchanged; "
            f"{summary['unmatched_versions']} platform/version pairs match no catalogue cycle "
            f"({summary['seconds']} s).", **summary)
        self.progress(1, 1)
        return dict(summary)
