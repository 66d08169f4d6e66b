"""Built-in job runners: a sleeper to test and demonstrate workers, and the job-history clean-up.

Registered explicitly: "estate.prune_jobs" in settings.ESTATE_JOB_RUNNERS; "test.sleep" only in tests/settings.py,
so production cannot run it.
"""

from __future__ import annotations

import time
from datetime import timedelta

from estate.jobs.runner import JobFailed, JobRunner


class SleepJob(JobRunner):
    """Sleeps `seconds` in `steps` steps, reporting progress: for tests, demos and checking a worker is alive.

    fail="message" ends it "failed" (the work found a problem); crash="message" raises an exception ("errored").
    """

    kind = "test.sleep"
    time_limit = 600

    def run(self, *, seconds: float = 5, steps: int = 10, fail: str = "", crash: str = "") -> dict:
        steps = max(1, int(steps))
        pause = max(float(seconds), 0) / steps
        self.progress(0, steps)
        self.log(f"Sleeping {seconds} s in {steps} steps.")
        for step in range(1, steps + 1):
            deadline = time.monotonic() + pause
            while (left := deadline - time.monotonic()) > 0:
                time.sleep(min(left, 0.1))
                self.check_cancelled()
            self.progress(step)
            self.log(f"Step {step} of {steps} done.", step=step)
        if fail:
            raise JobFailed(fail)
        if crash:
            raise RuntimeError(crash)
        return {"slept": seconds, "steps": steps}


class PruneJobsJob(JobRunner):
    """Deletes finished jobs (with their logs) and scheduler history older than `days` days."""

    kind = "estate.prune_jobs"
    time_limit = 1800

    def run(self, *, days: int = 90) -> dict:
        from estate.jobs.services import jobs_prune

        self.progress(0, 1)
        result = jobs_prune(older_than=timedelta(days=max(int(days), 1)))
        self.log(f"Deleted {result['jobs']} jobs and {result['events']} schedule events older than {days} days.")
        self.progress(1, 1)
        return result
