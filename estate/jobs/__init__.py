"""Background jobs: a Job record per piece of work, a small runner base, and interchangeable backends.

    class LifecycleJob(JobRunner):
        kind = "lifecycle"
        def run(self, **kwargs):
            self.progress(0, n) ... self.log("…") ... return {"findings": 12}

    job = job_enqueue(kind="lifecycle", name="Re-evaluate findings", user=request.user)
"""

from estate.jobs.runner import JobCancelled, JobFailed, JobRunner, job_enqueue, job_execute

__all__ = ["JobCancelled", "JobFailed", "JobRunner", "job_enqueue", "job_execute"]
