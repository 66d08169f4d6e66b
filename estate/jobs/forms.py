"""Edit and bulk-edit forms for schedules and blackout windows."""

from __future__ import annotations

from django import forms
from django.conf import settings

from estate.choices import BlackoutRuleChoices
from estate.forms import BulkEditForm, EstateModelForm
from estate.models import BlackoutWindow, Schedule


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, kind) for kind in sorted(settings.ESTATE_JOB_RUNNERS)]


class JSONObjectField(forms.JSONField):
    """JSON text in a textarea; text that is already JSON is shown as is (not encoded a second time)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return value if isinstance(value, str) else super().prepare_value(value)


class ScheduleForm(EstateModelForm):
    kind = forms.ChoiceField(choices=kind_choices, help_text="Which runner to start")
    kwargs = JSONObjectField(required=False, label="Arguments (JSON)",
                             help_text='Ids and options only, e.g. {"scope": 3}. Never secrets.')

    class Meta:
        model = Schedule
        fields = ["name", "kind", "kwargs", "queue", "cron", "interval_minutes", "time_zone", "enabled",
                  "misfire_grace_seconds"]
        labels = {"misfire_grace_seconds": "Misfire grace (seconds)"}
        help_texts = {
            "cron": "minute hour day-of-month month day-of-week, e.g. '0 2 * * *' (02:00 every day). "
                    "Leave empty to use an interval.",
            "interval_minutes": "Or: every N minutes.",
            "misfire_grace_seconds": "A run missed by up to this long (scheduler busy or restarting) still happens "
                                     "once; older ones are skipped.",
            "queue": "'default', or a site queue such as 'site-town-hall' to run on that site's workers.",
        }


class ScheduleBulkEditForm(BulkEditForm):
    queue = forms.CharField(max_length=100)
    time_zone = forms.CharField(max_length=64)
    enabled = forms.NullBooleanField(widget=forms.Select(choices=[("", "— leave as is —"), ("true", "Enabled"),
                                                                  ("false", "Disabled")]))
    misfire_grace_seconds = forms.IntegerField(min_value=0)


class BlackoutWindowForm(EstateModelForm):
    class Meta:
        model = BlackoutWindow
        fields = ["name", "reason", "schedule", "rule", "start", "end", "weekday", "start_time", "end_time",
                  "last_days", "time_zone", "enabled"]
        widgets = {
            "start": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "end": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class BlackoutWindowBulkEditForm(BulkEditForm):
    reason = forms.CharField(max_length=300)
    rule = forms.ChoiceField(choices=[("", "— leave as is —"), *BlackoutRuleChoices.choices])
    enabled = forms.NullBooleanField(widget=forms.Select(choices=[("", "— leave as is —"), ("true", "Enabled"),
                                                                  ("false", "Disabled")]))
