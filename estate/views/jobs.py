"""Job pages (list, detail with live progress and log, cancel, rerun), schedules and blackout windows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from estate.jobs import filtersets, forms, selectors, services, tables
from estate.models import BlackoutWindow, Job, Schedule
from estate.views import generic

LOG_LINES_PER_POLL = 500

# --- Jobs ------------------------------------------------------------------------------------------------------------


class JobListView(generic.ObjectListView):
    model = Job
    table_class = tables.JobTable
    filterset_class = filtersets.JobFilterSet

    def get_queryset(self):
        return selectors.job_list()

    def base_context(self):
        # Jobs are started by the work that needs them (discovery, schedules…), never added or edited by hand.
        return super().base_context() | {"can_add": False, "can_change": False, "can_delete": False}


class JobDetailView(generic.ObjectDetailView):
    model = Job
    template_name = "estate/job.html"

    def get_queryset(self):
        return selectors.job_list()

    def extra_context(self, obj):
        log = list(selectors.job_log(job=obj)[:LOG_LINES_PER_POLL])
        return {
            "log": log,
            "last_log_id": log[-1].pk if log else 0,
            "status_css": tables.STATUS_CSS.get(obj.status, ""),
            "can_change": self.request.user.has_perm("estate.change_job"),
            "can_delete": False,
        }


def _status_payload(job: Job, after: int) -> dict:
    entries = list(selectors.job_log(job=job, after=after)[:LOG_LINES_PER_POLL])
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "status_css": tables.STATUS_CSS.get(job.status, ""),
        "is_finished": job.is_finished,
        "cancel_requested": job.cancel_requested,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "progress_percent": job.progress_percent,
        "started": job.started.isoformat() if job.started else None,
        "finished": job.finished.isoformat() if job.finished else None,
        "error": job.error[:2000],
        "log": [{"id": e.pk, "timestamp": timezone.localtime(e.timestamp).strftime("%H:%M:%S"), "level": e.level,
                 "message": e.message} for e in entries],
        "more_log": len(entries) == LOG_LINES_PER_POLL,
    }


@require_GET
@permission_required("estate.view_job", raise_exception=True)
def job_status(request, pk: int):
    """What the job page polls: status, progress and the log lines after ?after=<log id>."""
    job = get_object_or_404(Job, pk=pk)
    after = request.GET.get("after", "0")
    response = JsonResponse(_status_payload(job, int(after) if after.isdigit() else 0))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required("estate.change_job", raise_exception=True)
def job_cancel(request, pk: int):
    job = get_object_or_404(Job, pk=pk)
    try:
        job = services.job_cancel(job=job, user=request.user)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(request, "Job cancelled." if job.is_finished else
                         "Cancel requested: the job stops at its next check.")
    return HttpResponseRedirect(job.get_absolute_url())


@require_POST
@permission_required("estate.change_job", raise_exception=True)
def job_rerun(request, pk: int):
    job = get_object_or_404(Job, pk=pk)
    new = services.job_rerun(job=job, user=request.user)
    messages.success(request, f"Started job #{new.pk} again with the same arguments.")
    return HttpResponseRedirect(new.get_absolute_url())


# --- Schedules -------------------------------------------------------------------------------------------------------


class ScheduleListView(generic.ObjectListView):
    model = Schedule
    table_class = tables.ScheduleTable
    filterset_class = filtersets.ScheduleFilterSet

    def get_queryset(self):
        return selectors.schedule_list()

    def extra_actions(self):
        return [{"label": "Blackout windows", "url": reverse("blackoutwindow_list")}]


class ScheduleDetailView(generic.ObjectDetailView):
    model = Schedule

    def extra_context(self, obj):
        jobs = tables.JobTable(selectors.job_list().filter(schedule=obj)[:10], orderable=False)
        for column in ("schedule", "user", "worker", "started", "finished"):
            jobs.columns.hide(column)
        return {
            "events": selectors.schedule_events(schedule=obj)[:25],
            "job_table": jobs,
            "blackouts": selectors.blackout_window_list().applying_to(obj),
        }


class ScheduleEditView(generic.ObjectEditView):
    model = Schedule
    form_class = forms.ScheduleForm


class ScheduleDeleteView(generic.ObjectDeleteView):
    model = Schedule


class ScheduleBulkEditView(generic.BulkEditView):
    model = Schedule
    form_class = forms.ScheduleBulkEditForm


class ScheduleBulkDeleteView(generic.BulkDeleteView):
    model = Schedule


# --- Blackout windows ------------------------------------------------------------------------------------------------


class BlackoutWindowListView(generic.ObjectListView):
    model = BlackoutWindow
    table_class = tables.BlackoutWindowTable
    filterset_class = filtersets.BlackoutWindowFilterSet

    def get_queryset(self):
        return selectors.blackout_window_list()


class BlackoutWindowDetailView(generic.ObjectDetailView):
    model = BlackoutWindow

    def extra_context(self, obj):
        return {"events": selectors.schedule_events().filter(blackout=obj)[:25]}


class BlackoutWindowEditView(generic.ObjectEditView):
    model = BlackoutWindow
    form_class = forms.BlackoutWindowForm


class BlackoutWindowDeleteView(generic.ObjectDeleteView):
    model = BlackoutWindow


class BlackoutWindowBulkEditView(generic.BulkEditView):
    model = BlackoutWindow
    form_class = forms.BlackoutWindowBulkEditForm


class BlackoutWindowBulkDeleteView(generic.BulkDeleteView):
    model = BlackoutWindow
