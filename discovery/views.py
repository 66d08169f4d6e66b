"""Discovery pages: credentials, credential sets, scopes (with "Discover now"), runs with live progress, host keys.

Writes go through discovery.services (secrets, ordered sets, runs, re-trust) or estate.services (plain edits).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views import View

from discovery import filtersets, forms, selectors, services, tables
from discovery.choices import HostResultActionChoices
from discovery.models import SECRET_FIELDS, Credential, CredentialSet, DiscoveryRun, HostKey, Scope
from estate.jobs import selectors as job_selectors
from estate.jobs.tables import STATUS_CSS
from estate.views import generic

LOG_LINES_PER_POLL = 500
RESULTS_PER_PAGE = 1000

# --- Credentials -----------------------------------------------------------------------------------------------------


class CredentialListView(generic.ObjectListView):
    model = Credential
    table_class = tables.CredentialTable
    filterset_class = filtersets.CredentialFilterSet

    def get_queryset(self):
        return selectors.credential_list()


class CredentialDetailView(generic.ObjectDetailView):
    model = Credential

    def extra_context(self, obj):
        stored = obj.secrets() if obj.secret_data else {}
        secrets = [(name, bool(stored.get(name))) for name in forms.SECRET_NAMES
                   if name in SECRET_FIELDS.get(obj.kind, ())]
        return {"secrets": secrets, "credential_sets": obj.credential_sets.all()}


class CredentialEditView(generic.ObjectEditView):
    model = Credential
    form_class = forms.CredentialForm

    def save(self, form):
        return services.credential_save(credential=form.instance, secrets=form.secrets())


class CredentialDeleteView(generic.ObjectDeleteView):
    model = Credential


class CredentialBulkEditView(generic.BulkEditView):
    model = Credential
    form_class = forms.CredentialBulkEditForm


class CredentialBulkDeleteView(generic.BulkDeleteView):
    model = Credential


# --- Credential sets -------------------------------------------------------------------------------------------------


class CredentialSetListView(generic.ObjectListView):
    model = CredentialSet
    table_class = tables.CredentialSetTable
    filterset_class = filtersets.CredentialSetFilterSet

    def get_queryset(self):
        return selectors.credential_set_list()


class CredentialSetDetailView(generic.ObjectDetailView):
    model = CredentialSet

    def extra_context(self, obj):
        return {"credentials": obj.ordered_credentials(), "scopes": obj.scopes.all()}


class CredentialSetEditView(generic.ObjectEditView):
    model = CredentialSet
    form_class = forms.CredentialSetForm

    def save(self, form):
        return services.credential_set_save(credential_set=form.instance,
                                            credentials=form.cleaned_data["credentials"])


class CredentialSetDeleteView(generic.ObjectDeleteView):
    model = CredentialSet


class CredentialSetBulkEditView(generic.BulkEditView):
    model = CredentialSet
    form_class = forms.CredentialBulkEditForm


class CredentialSetBulkDeleteView(generic.BulkDeleteView):
    model = CredentialSet


# --- Scopes ----------------------------------------------------------------------------------------------------------


class ScopeListView(generic.ObjectListView):
    model = Scope
    table_class = tables.ScopeTable
    filterset_class = filtersets.ScopeFilterSet

    def get_queryset(self):
        return selectors.scope_list()


class ScopeDetailView(generic.ObjectDetailView):
    model = Scope

    def get_queryset(self):
        return selectors.scope_list()

    def extra_context(self, obj):
        runs = tables.DiscoveryRunTable(selectors.run_list().filter(scope=obj)[:10], orderable=False)
        runs.columns.hide("pk")
        return {"discover_form": forms.DiscoverForm(),
                "can_discover": self.request.user.has_perm("discovery.add_discoveryrun"),
                "run_table": runs}


class ScopeEditView(generic.ObjectEditView):
    model = Scope
    form_class = forms.ScopeForm

    def save(self, form):
        return services.scope_save(scope=form.instance, credential_sets=list(form.cleaned_data["credential_sets"]),
                                   user=self.request.user)


class ScopeDeleteView(generic.ObjectDeleteView):
    model = Scope


class ScopeBulkEditView(generic.BulkEditView):
    model = Scope
    form_class = forms.ScopeBulkEditForm


class ScopeBulkDeleteView(generic.BulkDeleteView):
    model = Scope


class ScopeDiscoverView(PermissionRequiredMixin, View):
    """POST: start a discovery of the scope now (optionally a dry run) and go to the run's page."""

    permission_required = ("discovery.view_scope", "discovery.add_discoveryrun")
    raise_exception = True

    def post(self, request, pk):
        scope = get_object_or_404(selectors.scope_list(), pk=pk)
        form = forms.DiscoverForm(request.POST)
        options = form.cleaned_data if form.is_valid() else {}
        dry_run = bool(options.get("dry_run"))
        try:
            run = services.discovery_run_start(site=scope.site, scope=scope, dry_run=dry_run, user=request.user,
                                               exclusions=options.get("exclusions") or "",
                                               started_by=request.user.get_username())
        except ValidationError as exc:
            messages.error(request, "Discovery was not started: " + " ".join(exc.messages))
            return HttpResponseRedirect(scope.get_absolute_url())
        messages.success(request, f"Started {'a dry run of ' if dry_run else ''}the discovery of {scope}.")
        return HttpResponseRedirect(run.get_absolute_url())


# --- Runs ------------------------------------------------------------------------------------------------------------


class DiscoveryRunListView(generic.ObjectListView):
    model = DiscoveryRun
    table_class = tables.DiscoveryRunTable
    filterset_class = filtersets.DiscoveryRunFilterSet

    def get_queryset(self):
        return selectors.run_list()

    def base_context(self):
        # Runs are started (the "Add" button: an ad hoc run), never edited or deleted by hand.
        return super().base_context() | {"can_change": False, "can_delete": False}


class DiscoveryRunAddView(generic._ModelView):
    """Start an ad hoc run: the form of the API's POST /api/discovery/runs/ and of `manage.py discover`."""

    model = DiscoveryRun
    action = "add"
    template_name = "discovery/run_add.html"

    def get(self, request):
        initial = {k: v for k, v in request.GET.items() if k in ("targets", "site")}
        return self._render(forms.DiscoveryRunStartForm(initial=initial))

    def post(self, request):
        form = forms.DiscoveryRunStartForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                run = services.discovery_run_start(
                    site=data["site"], targets=data["targets"], exclusions=data["exclusions"],
                    credential_sets=list(data["credential_sets"]), port=data["port"], mode=data["mode"],
                    allow_tofu=data["allow_tofu"], dry_run=data["dry_run"], user=request.user,
                    started_by=request.user.get_username())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"Started {'a dry run of ' if run.dry_run else ''}{run.job.name}.")
                return HttpResponseRedirect(run.get_absolute_url())
        return self._render(form, status=400)

    def _render(self, form, status: int = 200):
        return render(self.request, self.template_name, self.base_context() | {"form": form}, status=status)


class DiscoveryRunDetailView(generic._ModelView):
    """The run page: live progress bar and log (polled from run_status), summary and per-host results."""

    model = DiscoveryRun

    def get(self, request, pk):
        run = get_object_or_404(selectors.run_list(), pk=pk)
        log = list(job_selectors.job_log(job=run.job)[:LOG_LINES_PER_POLL])
        results = list(selectors.run_host_results(run=run)[:RESULTS_PER_PAGE])
        sets = CredentialSet.objects.in_bulk(run.credential_set_ids)
        context = self.base_context() | {
            "object": run,
            "job": run.job,
            "log": log,
            "last_log_id": log[-1].pk if log else 0,
            "status_css": STATUS_CSS.get(run.job.status, ""),
            "results": results,
            "result_count": len(results),
            "credential_sets": [sets[pk] for pk in run.credential_set_ids if pk in sets],
            "summary": _summary_rows(run),
        }
        return render(request, "discovery/run.html", context)


class DiscoveryRunStatusView(generic._ModelView):
    """JSON the run page polls every 1.5 s: status, progress, summary, log lines after ?after=<id>."""

    model = DiscoveryRun

    def get(self, request, pk):
        run = get_object_or_404(selectors.run_list(), pk=pk)
        after = request.GET.get("after", "0")
        response = JsonResponse(run_status_payload(run, int(after) if after.isdigit() else 0))
        response["Cache-Control"] = "no-store"
        return response


def run_status_payload(run: DiscoveryRun, after: int = 0) -> dict:
    job = run.job
    entries = list(job_selectors.job_log(job=job, after=after)[:LOG_LINES_PER_POLL])
    return {
        "id": run.pk,
        "job": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "status_css": STATUS_CSS.get(job.status, ""),
        "is_finished": job.is_finished,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "progress_percent": job.progress_percent,
        "summary": run.summary,
        "error": job.error.splitlines()[0][:500] if job.error else "",
        "log": [{"id": e.pk, "timestamp": e.timestamp.strftime("%H:%M:%S"), "level": e.level, "message": e.message}
                for e in entries],
        "more_log": len(entries) == LOG_LINES_PER_POLL,
    }


def _summary_rows(run: DiscoveryRun) -> list[tuple[str, int]]:
    return [(label, run.summary.get(value, 0)) for value, label in HostResultActionChoices.choices]


# --- Host keys -------------------------------------------------------------------------------------------------------


class HostKeyListView(generic.ObjectListView):
    model = HostKey
    table_class = tables.HostKeyTable
    filterset_class = filtersets.HostKeyFilterSet

    def get_queryset(self):
        return selectors.host_key_list()

    def base_context(self):
        # Host keys are learnt by discovery (trust on first use); people re-trust or delete them, never type them.
        return super().base_context() | {"can_add": False, "can_change": False}


class HostKeyDetailView(generic.ObjectDetailView):
    model = HostKey

    def get_queryset(self):
        return selectors.host_key_list()

    def extra_context(self, obj):
        return {"can_retrust": self.request.user.has_perm("discovery.change_hostkey"), "can_change": False}


class HostKeyDeleteView(generic.ObjectDeleteView):
    model = HostKey


class HostKeyBulkDeleteView(generic.BulkDeleteView):
    model = HostKey


class HostKeyRetrustView(PermissionRequiredMixin, View):
    """POST: accept the changed key of a host (audited). Nothing else changes the trusted key."""

    permission_required = ("discovery.change_hostkey",)
    raise_exception = True

    def post(self, request, pk):
        host_key = get_object_or_404(selectors.host_key_list(), pk=pk)
        try:
            host_key = services.host_key_retrust(host_key=host_key)
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Now trusting {host_key.fingerprint} for {host_key.address}:{host_key.port}.")
        return HttpResponseRedirect(host_key.get_absolute_url())
