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


class ScheduleEventOutcomeChoices(models.TextChoices):
    ENQUEUED = "enqueued", "Enqueued"
    SKIPPED_BLACKOUT = "skipped_blackout", "Skipped: blackout"
    SKIPPED_RUNNING = "skipped_running", "Skipped: previous run not finished"
    ERROR = "error", "Error"


class BlackoutRuleChoices(models.TextChoices):
    ONCE = "once", "Once (change freeze from start to end)"
    WEEKLY = "weekly", "Every week (day and time range)"
    MONTHLY_LAST_DAYS = "monthly_last_days", "Month end (last N days of every month)"


class WeekdayChoices(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"
