"""An improvement programme: budget, savings, waves of work, the items in each wave, and playbook runs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify

from estate.models import ChangeLoggedModel, PrimaryModel
from migration_plans.choices import (
    DEVICE_STRATEGIES,
    BudgetCategoryChoices,
    ItemStateChoices,
    PlaybookChoices,
    RagChoices,
    StrategyChoices,
    WaveKindChoices,
    WaveStatusChoices,
    WindowKindChoices,
)

FY_HELP = "UK financial year, e.g. 2026/27"
FY_REGEX = r"^\d{4}/\d{2}$"


class Programme(PrimaryModel):
    """A council's improvement programme, e.g. "Cloud first 2025–2028", reported to councillors."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, blank=True, help_text="Leave blank to make it from the name")
    owner = models.CharField(max_length=100, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    url_name = "migration_plans:programme"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="migration_plans_programme_unique_name"),
            models.UniqueConstraint(fields=["slug"], name="migration_plans_programme_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.slug and self.name:
            self.slug = slugify(self.name)[:100]
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The programme cannot end before it starts."})


class BudgetLine(ChangeLoggedModel):
    """Money for a programme in one financial year: capital or revenue, planned against actual spend."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="budget_lines")
    financial_year = models.CharField(max_length=7, help_text=FY_HELP)
    category = models.CharField(max_length=10, choices=BudgetCategoryChoices)
    description = models.CharField(max_length=200)
    planned = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    actual = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    url_name = "migration_plans:budgetline"

    class Meta:
        ordering = ["programme", "financial_year", "category", "description"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "financial_year", "category", "description"],
                                    name="migration_plans_budgetline_unique"),
            models.CheckConstraint(condition=Q(financial_year__regex=FY_REGEX),
                                   name="migration_plans_budgetline_fy_format"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.financial_year} {self.get_category_display()}: {self.description}"

    def clean(self) -> None:
        _check_fy(self.financial_year)
        if self.planned is not None and self.planned < 0:
            raise ValidationError({"planned": "Budgets are not negative."})


class SavingsForecast(ChangeLoggedModel):
    """Savings a programme expects in one financial year (and what it realised)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="savings")
    financial_year = models.CharField(max_length=7, help_text=FY_HELP)
    description = models.CharField(max_length=200)
    forecast = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    realised = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    url_name = "migration_plans:savingsforecast"

    class Meta:
        ordering = ["programme", "financial_year", "description"]
        verbose_name_plural = "savings forecasts"
        constraints = [
            models.UniqueConstraint(fields=["programme", "financial_year", "description"],
                                    name="migration_plans_savings_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.financial_year}: {self.description}"

    def clean(self) -> None:
        _check_fy(self.financial_year)


def _check_fy(value: str) -> None:
    import re

    if not re.match(FY_REGEX, value or "") or (int(value[:4]) + 1) % 100 != int(value[5:]):
        raise ValidationError({"financial_year": "Write the financial year as 2026/27."})


class Wave(PrimaryModel):
    """A batch of work in a programme: servers to the cloud, desktops to replace, PBXs to swap, kit to retire."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="waves")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, choices=WaveKindChoices)
    status = models.CharField(max_length=20, choices=WaveStatusChoices, default=WaveStatusChoices.PLANNED)
    owner = models.CharField(max_length=100, blank=True)
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    rag_override = models.CharField(max_length=10, choices=RagChoices, blank=True,
                                    help_text="Leave blank to derive the RAG from dates and progress")
    rag_override_reason = models.CharField(max_length=500, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    url_name = "migration_plans:wave"

    class Meta:
        ordering = ["programme", "planned_start", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="migration_plans_wave_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    def clean(self) -> None:
        errors = {}
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = "The wave cannot end before it starts."
        if self.rag_override and not self.rag_override_reason.strip():
            errors["rag_override_reason"] = "Say why the RAG is overridden."
        if self.status in (WaveStatusChoices.SCHEDULED, WaveStatusChoices.IN_PROGRESS) and not (
                self.planned_start and self.planned_end):
            errors["planned_start"] = "A scheduled wave needs planned start and end dates."
        if errors:
            raise ValidationError(errors)


class WaveWindow(ChangeLoggedModel):
    """A cutover window in which a wave's changes happen, or a blackout in which they must not."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="windows")
    kind = models.CharField(max_length=10, choices=WindowKindChoices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    url_name = "migration_plans:wavewindow"

    class Meta:
        ordering = ["wave", "start"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%d/%m/%Y %H:%M}–{self.end:%d/%m/%Y %H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The window must end after it starts."})
        if self.kind == WindowKindChoices.BLACKOUT and not self.reason:
            raise ValidationError({"reason": "Say why changes are frozen."})


class WaveItem(ChangeLoggedModel):
    """One thing a wave moves, replaces or retires: a device or an application, with its strategy and target."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="items")
    device = models.ForeignKey("inventory.Device", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="wave_items")
    application = models.ForeignKey("inventory.Application", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="wave_items")
    strategy = models.CharField(max_length=20, choices=StrategyChoices)
    state = models.CharField(max_length=20, choices=ItemStateChoices, default=ItemStateChoices.PLANNED)
    target_provider = models.CharField(max_length=100, blank=True, help_text="e.g. Microsoft Azure, AWS")
    target_region = models.CharField(max_length=100, blank=True, help_text="e.g. UK South")
    target_size = models.CharField(max_length=100, blank=True, help_text="e.g. Standard_D4s_v5")
    target_product = models.CharField(max_length=100, blank=True, help_text="SaaS product, for repurchase")
    target_hardware_model = models.ForeignKey("inventory.HardwareModel", on_delete=models.PROTECT, null=True,
                                              blank=True, related_name="+")
    notes = models.TextField(blank=True)
    last_result = models.CharField(max_length=500, blank=True, help_text="What the last playbook run said")

    url_name = "migration_plans:waveitem"

    class Meta:
        ordering = ["wave", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(device__isnull=False) ^ Q(application__isnull=False),
                                   name="migration_plans_waveitem_one_subject"),
            models.UniqueConstraint(fields=["wave", "device"], condition=Q(device__isnull=False),
                                    name="migration_plans_waveitem_unique_device"),
            models.UniqueConstraint(fields=["wave", "application"], condition=Q(application__isnull=False),
                                    name="migration_plans_waveitem_unique_application"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_strategy_display()})"

    @property
    def subject(self):
        return self.device or self.application

    def clean(self) -> None:
        errors = {}
        if bool(self.device_id) == bool(self.application_id):
            errors["device"] = "Choose exactly one: a device or an application."
        elif self.application_id and self.strategy in DEVICE_STRATEGIES:
            errors["strategy"] = "Applications take one of the 7 Rs (rehost, replatform, …)."
        if self.strategy == StrategyChoices.REPURCHASE and not self.target_product:
            errors["target_product"] = "Name the SaaS product that replaces it."
        if self.strategy in (StrategyChoices.REHOST, StrategyChoices.REPLATFORM) and not self.target_provider:
            errors["target_provider"] = "Name the cloud provider it moves to."
        if self.strategy == StrategyChoices.REPLACE and self.device_id and not self.target_hardware_model_id:
            errors["target_hardware_model"] = "Choose the hardware model that replaces it."
        if errors:
            raise ValidationError(errors)


class PlaybookRun(models.Model):
    """One execution of a playbook against a wave's devices, through ansible-runner, as a job."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="playbook_runs")
    job = models.OneToOneField("estate.Job", on_delete=models.CASCADE, related_name="playbook_run")
    playbook = models.CharField(max_length=100, choices=PlaybookChoices)
    check_mode = models.BooleanField(default=False, help_text="Dry run: report what would change")
    credential = models.ForeignKey("discovery.Credential", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", help_text="SSH login used on the hosts")
    extravars = models.JSONField(default=dict, blank=True, help_text="Playbook variables (never secrets)")
    item_ids = models.JSONField(default=list, blank=True, help_text="The wave items the run covers")
    host_stats = models.JSONField(default=dict, blank=True, help_text="Per host: ok/changed/failed/unreachable")
    reported = models.JSONField(default=dict, blank=True, help_text="What the playbook reported with set_stats")
    created = models.DateTimeField(auto_now_add=True)

    url_name = "migration_plans:playbookrun"

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_playbook_display()} on {self.wave}" + (" (check mode)" if self.check_mode else "")

    def get_absolute_url(self) -> str:
        return reverse("migration_plans:playbookrun_detail", kwargs={"pk": self.pk})


class PlaybookEvent(models.Model):
    """One ansible-runner event of a run, compacted: what the job page streams."""

    run = models.ForeignKey(PlaybookRun, on_delete=models.CASCADE, related_name="events")
    counter = models.PositiveIntegerField()
    event = models.CharField(max_length=50)
    host = models.CharField(max_length=255, blank=True)
    task = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, blank=True)  # ok / changed / failed / unreachable / skipped
    stdout = models.TextField(blank=True)
    created = models.DateTimeField()

    class Meta:
        ordering = ["run", "counter"]
        constraints = [models.UniqueConstraint(fields=["run", "counter"], name="migration_plans_event_unique")]

    def __str__(self) -> str:
        return f"#{self.counter} {self.event} {self.host}"
