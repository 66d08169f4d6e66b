"""Lifecycle pages for installed software: releases grouped by product and version, and unmatched software."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from estate.exporting import export_response
from inventory import forms_lifecycle as forms
from inventory import selectors_lifecycle as lc
from inventory import services_lifecycle as services
from inventory.choices import SupportStatusChoices
from inventory.views_lifecycle import _PageView


class SoftwareReleasesView(_PageView):
    """Installed software grouped by product and version, with install counts and support phase; exportable."""

    permission_required = "inventory.view_installedsoftware"
    headers = ["Product", "Version", "Installs", "Devices", "Support", "Phase ends", "Next phase", "Catalogue cycle",
               "Security support ends"]

    def get(self, request):
        statuses = [s for s in request.GET.getlist("support_status") if s in SupportStatusChoices.values]
        search = (request.GET.get("q") or "").strip()[:200]
        rows = lc.software_releases(statuses=statuses, search=search)
        labels = dict(SupportStatusChoices.choices)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return export_response(headers=self.headers, fmt=export, basename="software-releases", rows=[
                (r["product"], r["version"], r["installs"], r["devices"], labels.get(r["support_status"], ""),
                 r["support_phase_ends"], labels.get(r["support_next_phase"], ""), r["cycle_label"],
                 r["end_of_security_support"] if not isinstance(r["end_of_security_support"], bool) else
                 ("ended, date unknown" if r["end_of_security_support"] else ""))
                for r in rows])
        software = reverse("inventory:installedsoftware_list")
        for row in rows:
            row["installs_url"] = f"{software}?{urlencode({'product': row['product'], 'version': row['version']})}"
        query = urlencode([("support_status", s) for s in statuses] + ([("q", search)] if search else []))
        return render(request, "inventory/lifecycle_software.html", {
            "rows": rows, "statuses": SupportStatusChoices.choices, "selected": statuses, "search": search,
            "query": query, "installs": sum(r["installs"] for r in rows),
        })


class UnmatchedSoftwareView(_PageView):
    """Installed software naming a catalogue product without a matching release; map each once for all devices."""

    permission_required = "inventory.view_finding"
    headers = ["Product", "Version text", "Installs", "Looks like product"]

    def get(self, request):
        everything = request.GET.get("all") == "1"
        rows = lc.unmatched_software(everything=everything)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return export_response(headers=self.headers, fmt=export, basename="unmatched-software", rows=[
                (r["product"], r["version"], r["installs"], r["product_guess_name"]) for r in rows])
        return self._render(request, rows, everything=everything)

    def post(self, request):
        if not request.user.has_perm("inventory.add_versionmapping"):
            return self.handle_no_permission()
        everything = request.POST.get("all") == "1"
        rows = lc.unmatched_software(everything=everything)
        form = forms.MapSoftwareForm(request.POST, pairs=[forms.software_pair_value(r["product"], r["version"])
                                                          for r in rows])
        if form.is_valid():
            cycle, devices = form.cleaned_data["cycle"], 0
            any_version = form.cleaned_data["any_version"]
            try:
                for product, version in form.cleaned_data["pair"]:
                    _, summary = services.software_mapping_set(software=product, version="" if any_version else version,
                                                               cycle=cycle)
                    devices += summary["devices"]
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                count = len(form.cleaned_data["pair"])
                messages.success(request, f"Mapped {count} software release{'s' if count != 1 else ''} to {cycle}: "
                                          f"{devices} device(s) re-evaluated.")
                return HttpResponseRedirect(reverse("inventory:lifecycle_unmatched_software"))
        return self._render(request, rows, form=form, status=400, everything=everything)

    def _render(self, request, rows, form=None, status=200, everything=False):
        can_map = request.user.has_perm("inventory.add_versionmapping")
        software = reverse("inventory:installedsoftware_list")
        for row in rows:
            row["installs_url"] = f"{software}?{urlencode({'product': row['product'], 'version': row['version']})}"
            row["pair"] = forms.software_pair_value(row["product"], row["version"])
        return render(request, "inventory/lifecycle_unmatched_software.html", {
            "rows": rows, "total": sum(r["installs"] for r in rows), "can_map": can_map and bool(rows),
            "everything": everything, "form": form or (forms.MapSoftwareForm() if can_map and rows else None),
        }, status=status)
