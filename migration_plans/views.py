"""Programme pages: CRUD for programmes, budgets, savings, waves, windows and items; approval, RAG override,
playbook runs with live events, adding devices from any inventory list, and the programme dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from estate.choices import JobStatusChoices
from estate.exporting import export_response
from estate.views import generic
from inventory.filtersets import DeviceFilterSet
from inventory.selectors import device_list
from migration_plans import filtersets, forms, selectors, services, tables
from migration_plans.charts import burndown_svg
from migration_plans.models import (
    BudgetLine,
    PlaybookEvent,
    PlaybookRun,
    Programme,
    SavingsForecast,
    Wave,
    WaveItem,
    WaveWindow,
)
from migration_plans.preflight import wave_preflight


class ProgrammeListView(generic.ObjectListView):
    model = Programme
    table_class = tables.ProgrammeTable
    filterset_class = filtersets.ProgrammeFilterSet

    def get_queryset(self):
        return selectors.programme_list()

    def extra_actions(self):
        return [{"label": "Dashboard", "url": reverse("migration_plans:dashboard")}]


class ProgrammeDetailView(generic.ObjectDetailView):
    model = Programme

    def extra_context(self, obj):
        dashboard = selectors.programme_dashboard(programme=obj)
        return {"dashboard": dashboard, "burndown_svg": burndown_svg(
            dashboard["burndown"]["points"], title=f"{obj.name}: items remaining, planned against actual")}


class ProgrammeEditView(generic.ObjectEditView):
    model = Programme
    form_class = forms.ProgrammeForm


class ProgrammeDeleteView(generic.ObjectDeleteView):
    model = Programme


class ProgrammeBulkEditView(generic.BulkEditView):
    model = Programme
    form_class = forms.SimpleBulkEditForm


class ProgrammeBulkDeleteView(generic.BulkDeleteView):
    model = Programme


class BudgetLineListView(generic.ObjectListView):
    model = BudgetLine
    table_class = tables.BudgetLineTable
    filterset_class = filtersets.BudgetLineFilterSet

    def get_queryset(self):
        return BudgetLine.objects.select_related("programme")


class BudgetLineDetailView(generic.ObjectDetailView):
    model = BudgetLine


class BudgetLineEditView(generic.ObjectEditView):
    model = BudgetLine
    form_class = forms.BudgetLineForm


class BudgetLineDeleteView(generic.ObjectDeleteView):
    model = BudgetLine


class BudgetLineBulkEditView(generic.BulkEditView):
    model = BudgetLine
    form_class = forms.AmountBulkEditForm


class BudgetLineBulkDeleteView(generic.BulkDeleteView):
    model = BudgetLine


class SavingsForecastListView(generic.ObjectListView):
    model = SavingsForecast
    table_class = tables.SavingsForecastTable
    filterset_class = filtersets.SavingsForecastFilterSet

    def get_queryset(self):
        return SavingsForecast.objects.select_related("programme")


class SavingsForecastDetailView(generic.ObjectDetailView):
    model = SavingsForecast


class SavingsForecastEditView(generic.ObjectEditView):
    model = SavingsForecast
    form_class = forms.SavingsForecastForm


class SavingsForecastDeleteView(generic.ObjectDeleteView):
    model = SavingsForecast


class SavingsForecastBulkEditView(generic.BulkEditView):
    model = SavingsForecast
    form_class = forms.AmountBulkEditForm


class SavingsForecastBulkDeleteView(generic.BulkDeleteView):
    model = SavingsForecast


class WaveListView(generic.ObjectListView):
    model = Wave
    table_class = tables.WaveTable
    filterset_class = filtersets.WaveFilterSet

    def get_queryset(self):
        return selectors.wave_list()


class WaveDetailView(generic.ObjectDetailView):
    model = Wave

    def get_queryset(self):
        return selectors.wave_list()

    def extra_context(self, obj):
        progress = selectors.wave_progress(obj)
        items = selectors.wave_item_list().filter(wave=obj)
        return {
            "progress": progress, "rag": selectors.wave_rag(obj, progress=progress), "items": items[:500],
            "preflight": wave_preflight(wave=obj, items=items),
            "warnings": selectors.wave_dependency_warnings(obj), "windows": obj.windows.all(),
            "runs": selectors.playbook_run_list().filter(wave=obj)[:20],
            "rag_form": forms.RagOverrideForm(initial={"rag_override": obj.rag_override,
                                                       "rag_override_reason": obj.rag_override_reason}),
            "run_form": forms.PlaybookRunForm(wave=obj),
            "can_run": self.request.user.has_perm("migration_plans.add_playbookrun"),
        }


class WaveEditView(generic.ObjectEditView):
    model = Wave
    form_class = forms.WaveForm


class WaveDeleteView(generic.ObjectDeleteView):
    model = Wave


class WaveBulkEditView(generic.BulkEditView):
    model = Wave
    form_class = forms.WaveBulkEditForm


class WaveBulkDeleteView(generic.BulkDeleteView):
    model = Wave


class WaveWindowListView(generic.ObjectListView):
    model = WaveWindow
    table_class = tables.WaveWindowTable
    filterset_class = filtersets.WaveWindowFilterSet

    def get_queryset(self):
        return WaveWindow.objects.select_related("wave")


class WaveWindowDetailView(generic.ObjectDetailView):
    model = WaveWindow


class WaveWindowEditView(generic.ObjectEditView):
    model = WaveWindow
    form_class = forms.WaveWindowForm


class WaveWindowDeleteView(generic.ObjectDeleteView):
    model = WaveWindow


class WaveWindowBulkEditView(generic.BulkEditView):
    model = WaveWindow
    form_class = forms.WindowBulkEditForm


class WaveWindowBulkDeleteView(generic.BulkDeleteView):
    model = WaveWindow


class WaveItemListView(generic.ObjectListView):
    model = WaveItem
    table_class = tables.WaveItemTable
    filterset_class = filtersets.WaveItemFilterSet

    def get_queryset(self):
        return selectors.wave_item_list()


class WaveItemDetailView(generic.ObjectDetailView):
    model = WaveItem

    def extra_context(self, obj):
        from migration_plans.services import TRANSITIONS

        return {"next_states": sorted(TRANSITIONS[obj.state]), "state_form": forms.ItemTransitionForm()}


class WaveItemEditView(generic.ObjectEditView):
    model = WaveItem
    form_class = forms.WaveItemForm


class WaveItemDeleteView(generic.ObjectDeleteView):
    model = WaveItem


class WaveItemBulkEditView(generic.BulkEditView):
    model = WaveItem
    form_class = forms.WaveItemBulkEditForm


class WaveItemBulkDeleteView(generic.BulkDeleteView):
    model = WaveItem


# --- actions ----------------------------------------------------------------------------------------------------


def _errors(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


@require_POST
@permission_required("migration_plans.change_wave", raise_exception=True)
def wave_approve(request, pk: int):
    wave = get_object_or_404(Wave, pk=pk)
    try:
        services.wave_approve(wave=wave, user=request.user)
        preflight = wave_preflight(wave=wave)
        messages.success(request, f"Approved {wave}: its playbooks may now run. Pre-flight: {preflight.summary(3)}")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return HttpResponseRedirect(wave.get_absolute_url())


@require_POST
@permission_required("migration_plans.change_wave", raise_exception=True)
def wave_rag_override(request, pk: int):
    wave = get_object_or_404(Wave, pk=pk)
    form = forms.RagOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.wave_rag_override(wave=wave, rag=form.cleaned_data["rag_override"],
                                       reason=form.cleaned_data["rag_override_reason"])
            messages.success(request, "RAG updated.")
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    return HttpResponseRedirect(wave.get_absolute_url())


@require_POST
@permission_required("migration_plans.add_playbookrun", raise_exception=True)
def wave_run_playbook(request, pk: int):
    wave = get_object_or_404(Wave, pk=pk)
    form = forms.PlaybookRunForm(request.POST, wave=wave)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return HttpResponseRedirect(wave.get_absolute_url())
    try:
        run = services.playbook_run_start(
            wave=wave, playbook=form.cleaned_data["playbook"], items=form.cleaned_data["items"] or None,
            check_mode=form.cleaned_data["check_mode"], credential=form.cleaned_data["credential"],
            extravars=form.cleaned_data["extravars"] or {}, user=request.user, started_by=request.user.get_username(),
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return HttpResponseRedirect(wave.get_absolute_url())
    return HttpResponseRedirect(run.get_absolute_url())


@require_POST
@permission_required("migration_plans.change_waveitem", raise_exception=True)
def waveitem_transition(request, pk: int):
    item = get_object_or_404(WaveItem, pk=pk)
    form = forms.ItemTransitionForm(request.POST)
    if form.is_valid():
        try:
            services.wave_item_transition(item=item, to_state=form.cleaned_data["state"])
            messages.success(request, f"{item.subject} is now {item.get_state_display()}.")
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    return HttpResponseRedirect(item.get_absolute_url())


@permission_required("migration_plans.add_waveitem", raise_exception=True)
def add_devices_to_wave(request):
    """From any filtered device list: the ticked devices, or every device matching the filters."""
    if request.method == "POST" and "_apply" in request.POST:
        form = forms.AddToWaveForm(request.POST)
        devices = _chosen_devices(request, request.POST)
        if form.is_valid():
            try:
                result = services.wave_items_add(
                    wave=form.cleaned_data["wave"], devices=devices, strategy=form.cleaned_data["strategy"],
                    target_provider=form.cleaned_data["target_provider"],
                    target_region=form.cleaned_data["target_region"], target_size=form.cleaned_data["target_size"],
                    target_hardware_model=form.cleaned_data["target_hardware_model"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                skipped = f"; {result['skipped']} were already in it" if result["skipped"] else ""
                messages.success(request, f"Added {result['added']} device(s) to {form.cleaned_data['wave']}{skipped}.")
                return HttpResponseRedirect(form.cleaned_data["wave"].get_absolute_url())
    else:
        form = forms.AddToWaveForm()
        devices = _chosen_devices(request, request.POST if request.method == "POST" else request.GET)
    count = devices.count()
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "migration_plans/add_to_wave.html", {
        "form": form, "count": count, "sample": devices[:20], "pks": request.POST.getlist("pk"),
        "query": (request.POST.get("query") if request.method == "POST" else request.GET.urlencode()) or "",
    }, status=status)


def _chosen_devices(request, data):
    from django.http import QueryDict

    pks = generic.selected_pks(data.getlist("pk"))
    if pks:
        return device_list().filter(pk__in=pks)
    query = QueryDict(data.get("query", "") if "query" in data else data.urlencode())
    return DeviceFilterSet(query, queryset=device_list(), request=request).qs


# --- playbook runs -------------------------------------------------------------------------------------------------


class PlaybookRunListView(generic.ObjectListView):
    model = PlaybookRun
    table_class = tables.PlaybookRunTable
    filterset_class = filtersets.PlaybookRunFilterSet

    def get_queryset(self):
        return selectors.playbook_run_list()


class PlaybookRunDetailView(generic.ObjectDetailView):
    model = PlaybookRun

    def get_queryset(self):
        return selectors.playbook_run_list()

    def extra_context(self, obj):
        # A run covers up to hundreds of hosts: its item and host rows are built here with format_html_join (a
        # template loop over 200 rows costs more than the rest of the page), from only the columns shown.
        items = WaveItem.objects.filter(pk__in=obj.item_ids).select_related("device", "application").only(
            "state", "last_result", "wave_id", "device__name", "application__name")
        marker = 2**62
        item_url = reverse("migration_plans:waveitem_detail", kwargs={"pk": marker})
        item_rows = format_html_join(
            "", '<li class="list-group-item"><a href="{}">{}</a>: {} <span class="small text-secondary">{}</span></li>',
            ((item_url.replace(str(marker), str(i.pk)), i.subject, i.get_state_display(), i.last_result)
             for i in items))
        host_rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}/{}/{}/{}</td></tr>",
            ((host, s.get("status"), s.get("ok"), s.get("changed"), s.get("failed"), s.get("unreachable"))
             for host, s in (obj.host_stats or {}).items()))
        events = list(obj.events.order_by("-counter").values_list("counter", "event", "host", "task", "status",
                                                                  "stdout")[:100])[::-1]
        event_lines = format_html_join("", "{} {} {} {} {} {}\n",
                                       (e[:5] + (Truncator(e[5]).chars(300),) for e in events))
        job = obj.job
        # A run that failed before its hosts finished shows how far it got, in red, not a full blue bar.
        failed = job.status in (JobStatusChoices.FAILED, JobStatusChoices.ERRORED, JobStatusChoices.CANCELLED)
        hosts_percent = int(100 * job.progress_done / job.progress_total) if job.progress_total else (
            100 if job.is_finished and not failed else 0)
        return {"item_rows": item_rows, "host_rows": host_rows, "event_lines": event_lines, "job": job,
                "last_counter": events[-1][0] if events else 0, "failed": failed, "hosts_percent": hosts_percent}


@permission_required("migration_plans.view_playbookrun", raise_exception=True)
def playbookrun_events(request, pk: int):
    """Events after ?after=<counter>, at most 500: cheap to poll however big the run."""
    run = get_object_or_404(PlaybookRun.objects.select_related("job"), pk=pk)
    after = int(request.GET.get("after", "0") or 0) if str(request.GET.get("after", "0")).isdigit() else 0
    events = list(PlaybookEvent.objects.filter(run=run, counter__gt=after).order_by("counter")
                  .values("counter", "event", "host", "task", "status", "stdout")[:500])
    job = run.job
    return JsonResponse({
        "status": job.status, "status_label": job.get_status_display(), "error": job.error,
        "failed": job.status in (JobStatusChoices.FAILED, JobStatusChoices.ERRORED, JobStatusChoices.CANCELLED),
        "finished": job.is_finished, "progress_done": job.progress_done,
        "progress_total": job.progress_total, "events": events,
        "last": events[-1]["counter"] if events else after, "host_stats": run.host_stats if job.is_finished else {},
    })


# --- dashboard -----------------------------------------------------------------------------------------------------


@permission_required("migration_plans.view_programme", raise_exception=True)
def dashboard(request):
    programme = None
    if request.GET.get("programme"):
        programme = Programme.objects.filter(slug=request.GET["programme"]).first()
    data = selectors.programme_dashboard(programme=programme)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        headers = ["Programme", "Wave", "Kind", "Status", "RAG", "RAG reason", "Items", "Done", "Progress %",
                   "Planned start", "Planned end", "Owner", "Approved"]
        rows = [[r["wave"].programme.name, r["wave"].name, r["wave"].get_kind_display(), r["wave"].get_status_display(),
                 r["rag"].value, " ".join([r["rag"].reason, *r["rag"].exceptions]), r["progress"].total,
                 r["progress"].done, r["progress"].percent,
                 r["wave"].planned_start, r["wave"].planned_end, r["wave"].owner, bool(r["wave"].approved_at)]
                for r in data["waves"]]
        return export_response(headers=headers, rows=rows, fmt=export, basename="programme-dashboard")
    svg = burndown_svg(data["burndown"]["points"], title="Items remaining, planned against actual")
    return render(request, "migration_plans/dashboard.html", {
        "data": data, "programme": programme, "programmes": Programme.objects.all(), "burndown_svg": svg,
        "print": request.GET.get("print") == "1",
    })
