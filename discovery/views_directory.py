"""Directory source pages: list, detail (with "Sync now", recent syncs and vanished computers), add/edit/delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views import View

from discovery.filtersets_directory import DirectorySourceFilterSet
from discovery.forms_directory import DirectorySourceBulkEditForm, DirectorySourceForm, DirectorySyncForm
from discovery.models_directory import DirectorySource
from discovery.selectors_directory import (
    directory_source_counts,
    directory_source_list,
    directory_source_runs,
    directory_source_vanished,
)
from discovery.services_directory import directory_source_save, directory_sync_start
from discovery.tables_directory import DirectorySourceTable
from estate.jobs.tables import STATUS_CSS
from estate.views import generic


class DirectorySourceListView(generic.ObjectListView):
    model = DirectorySource
    table_class = DirectorySourceTable
    filterset_class = DirectorySourceFilterSet

    def get_queryset(self):
        return directory_source_list()


class DirectorySourceDetailView(generic.ObjectDetailView):
    model = DirectorySource

    def get_queryset(self):
        return directory_source_list()

    def extra_context(self, obj):
        runs = [(job, (job.result or {}).get("summary") or {}, STATUS_CSS.get(job.status, "text-bg-light"))
                for job in directory_source_runs(source=obj)[:10]]
        return {"sync_form": DirectorySyncForm(), "runs": runs, "counts": directory_source_counts(source=obj),
                "vanished": directory_source_vanished(source=obj, limit=50),
                "can_sync": self.request.user.has_perm("discovery.change_directorysource")}


class DirectorySourceEditView(generic.ObjectEditView):
    model = DirectorySource
    form_class = DirectorySourceForm

    def save(self, form):
        return directory_source_save(source=form.instance, password=form.new_password())


class DirectorySourceDeleteView(generic.ObjectDeleteView):
    model = DirectorySource


class DirectorySourceBulkEditView(generic.BulkEditView):
    model = DirectorySource
    form_class = DirectorySourceBulkEditForm


class DirectorySourceBulkDeleteView(generic.BulkDeleteView):
    model = DirectorySource


class DirectorySourceSyncView(PermissionRequiredMixin, View):
    """POST: sync the source now (optionally a dry run) and go to the job's page (progress and log)."""

    permission_required = ("discovery.view_directorysource", "discovery.change_directorysource")
    raise_exception = True

    def post(self, request, pk):
        source = get_object_or_404(directory_source_list(), pk=pk)
        form = DirectorySyncForm(request.POST)
        dry_run = bool(form.is_valid() and form.cleaned_data.get("dry_run"))
        job = directory_sync_start(source=source, dry_run=dry_run, user=request.user,
                                   started_by=request.user.get_username())
        messages.success(request, f"Started {'a dry run of ' if dry_run else ''}the sync of {source}.")
        return HttpResponseRedirect(job.get_absolute_url())
