from django.db import models


class JobStatusChoices(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"  # the work found a problem
    ERRORED = "errored", "Errored"  # the code broke
    CANCELLED = "cancelled", "Cancelled"


class JobLogLevelChoices(models.TextChoices):
    DEBUG = "debug", "Debug"
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"
