"""The review inbox: discovery's proposed changes to fields people own, accepted or rejected in the UI."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views import View

from estate.views import generic
from inventory import filtersets, services, tables
from inventory.choices import ProposedChangeStatusChoices
from inventory.models import ProposedChange


class ProposedChangeListView(generic.ObjectListView):
    model = ProposedChange
    table_class = tables.ProposedChangeTable
    filterset_class = filtersets.ProposedChangeFilterSet
    template_name = "inventory/proposedchange_list.html"

    def get_queryset(self):
        return ProposedChange.objects.select_related("device", "job", "decided_by")

    def get(self, request):
        if not request.GET:  # the inbox opens on what is waiting for a decision
            request.GET = QueryDict(f"status={ProposedChangeStatusChoices.OPEN}")
        return super().get(request)

    def base_context(self):
        # Proposals come from discovery: never added, edited or deleted by hand, only decided.
        can_decide = self.request.user.has_perms(["inventory.change_proposedchange", "inventory.change_device"])
        return super().base_context() | {"can_add": False, "can_change": False, "can_delete": False,
                                         "can_decide": can_decide}


class ProposedChangeDecideView(PermissionRequiredMixin, View):
    """POST pk=… (a selection) or job=… (every open proposal of a run), and accept=1 or reject=1."""

    permission_required = ("inventory.change_proposedchange", "inventory.change_device")
    raise_exception = True

    def post(self, request):
        pks = generic.selected_pks(request.POST.getlist("pk"))
        job = generic.selected_pks([request.POST["job"]]) if request.POST.get("job") else []
        queryset = ProposedChange.objects.none()
        if pks:
            queryset = ProposedChange.objects.filter(pk__in=pks)
        elif job:
            queryset = ProposedChange.objects.filter(job_id=job[0])
        back = generic._safe_return_url(request, reverse("inventory:proposedchange_list"))
        if "accept" not in request.POST and "reject" not in request.POST:
            messages.warning(request, "Choose Accept or Reject.")
            return HttpResponseRedirect(back)
        if not queryset.exists():
            messages.warning(request, "Select at least one proposed change first.")
            return HttpResponseRedirect(back)
        accept = "accept" in request.POST
        try:
            count = services.proposed_changes_decide(queryset=queryset, accept=accept, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{'Accepted' if accept else 'Rejected'} {count} proposed change(s).")
        return HttpResponseRedirect(back)
