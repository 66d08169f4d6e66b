"""Lifecycle pages: catalogue/policy CRUD, findings, unmatched versions, dashboard, forecast, imports."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views import View

from estate.exporting import export_response
from estate.views import generic
from inventory import filtersets_lifecycle as filtersets
from inventory import forms_lifecycle as forms
from inventory import selectors
from inventory import selectors_lifecycle as lc
from inventory import services_lifecycle as services
from inventory import tables_lifecycle as tables
from inventory.choices import DeviceKindChoices
from inventory.filtersets import DeviceFilterSet
from inventory.models import (
    Device,
    Finding,
    HardwareNotice,
    LifecycleCycle,
    LifecyclePolicy,
    LifecycleProduct,
    Site,
    VersionMapping,
)
from inventory.services_findings import lifecycle_evaluate_enqueue
from inventory.tables import DeviceTable

# --- Catalogue products ----------------------------------------------------------------------------------------------


class LifecycleProductListView(generic.ObjectListView):
    model = LifecycleProduct
    table_class = tables.LifecycleProductTable
    filterset_class = filtersets.LifecycleProductFilterSet

    def get_queryset(self):
        return lc.lifecycle_product_list()

    def extra_actions(self):
        return [{"label": "Cycles", "url": reverse("inventory:lifecyclecycle_list")},
                {"label": "Hardware notices", "url": reverse("inventory:hardwarenotice_list")},
                {"label": "Import", "url": reverse("inventory:lifecycle_import")}]


class LifecycleProductDetailView(generic.ObjectDetailView):
    model = LifecycleProduct

    def extra_context(self, obj):
        return {"cycles": obj.cycles.all()}


class LifecycleProductEditView(generic.ObjectEditView):
    model = LifecycleProduct
    form_class = forms.LifecycleProductForm


class LifecycleProductDeleteView(generic.ObjectDeleteView):
    model = LifecycleProduct


class LifecycleProductBulkEditView(generic.BulkEditView):
    model = LifecycleProduct
    form_class = forms.LifecycleProductBulkEditForm


class LifecycleProductBulkDeleteView(generic.BulkDeleteView):
    model = LifecycleProduct


# --- Catalogue cycles ------------------------------------------------------------------------------------------------


class LifecycleCycleListView(generic.ObjectListView):
    model = LifecycleCycle
    table_class = tables.LifecycleCycleTable
    filterset_class = filtersets.LifecycleCycleFilterSet

    def get_queryset(self):
        return lc.lifecycle_cycle_list()


class LifecycleCycleDetailView(generic.ObjectDetailView):
    model = LifecycleCycle

    def get_queryset(self):
        return lc.lifecycle_cycle_list()

    def extra_context(self, obj):
        return {"mappings": lc.version_mapping_list().filter(cycle=obj)}


class LifecycleCycleEditView(generic.ObjectEditView):
    model = LifecycleCycle
    form_class = forms.LifecycleCycleForm


class LifecycleCycleDeleteView(generic.ObjectDeleteView):
    model = LifecycleCycle


class LifecycleCycleBulkEditView(generic.BulkEditView):
    model = LifecycleCycle
    form_class = forms.LifecycleCycleBulkEditForm


class LifecycleCycleBulkDeleteView(generic.BulkDeleteView):
    model = LifecycleCycle


# --- Hardware notices ------------------------------------------------------------------------------------------------


class HardwareNoticeListView(generic.ObjectListView):
    model = HardwareNotice
    table_class = tables.HardwareNoticeTable
    filterset_class = filtersets.HardwareNoticeFilterSet

    def get_queryset(self):
        return lc.hardware_notice_list()

    def extra_actions(self):
        return [{"label": "Import CSV", "url": reverse("inventory:lifecycle_import")}]


class HardwareNoticeDetailView(generic.ObjectDetailView):
    model = HardwareNotice


class HardwareNoticeEditView(generic.ObjectEditView):
    model = HardwareNotice
    form_class = forms.HardwareNoticeForm


class HardwareNoticeDeleteView(generic.ObjectDeleteView):
    model = HardwareNotice


class HardwareNoticeBulkEditView(generic.BulkEditView):
    model = HardwareNotice
    form_class = forms.HardwareNoticeBulkEditForm


class HardwareNoticeBulkDeleteView(generic.BulkDeleteView):
    model = HardwareNotice


# --- Version mappings ------------------------------------------------------------------------------------------------


class VersionMappingListView(generic.ObjectListView):
    model = VersionMapping
    table_class = tables.VersionMappingTable
    filterset_class = filtersets.VersionMappingFilterSet

    def get_queryset(self):
        return lc.version_mapping_list()

    def extra_actions(self):
        return [{"label": "Unmatched versions", "url": reverse("inventory:lifecycle_unmatched")}]


class VersionMappingDetailView(generic.ObjectDetailView):
    model = VersionMapping

    def get_queryset(self):
        return lc.version_mapping_list()

    def extra_context(self, obj):
        devices = Device.objects.filter(platform=obj.platform, os_version__iexact=obj.version)
        return {"device_count": devices.count()}


class VersionMappingEditView(generic.ObjectEditView):
    model = VersionMapping
    form_class = forms.VersionMappingForm


class VersionMappingDeleteView(generic.ObjectDeleteView):
    model = VersionMapping


class VersionMappingBulkEditView(generic.BulkEditView):
    model = VersionMapping
    form_class = forms.VersionMappingBulkEditForm


class VersionMappingBulkDeleteView(generic.BulkDeleteView):
    model = VersionMapping


# --- Policies --------------------------------------------------------------------------------------------------------


class LifecyclePolicyListView(generic.ObjectListView):
    model = LifecyclePolicy
    table_class = tables.LifecyclePolicyTable
    filterset_class = filtersets.LifecyclePolicyFilterSet

    def get_queryset(self):
        return lc.lifecycle_policy_list()


class LifecyclePolicyDetailView(generic.ObjectDetailView):
    model = LifecyclePolicy


class LifecyclePolicyEditView(generic.ObjectEditView):
    model = LifecyclePolicy
    form_class = forms.LifecyclePolicyForm


class LifecyclePolicyDeleteView(generic.ObjectDeleteView):
    model = LifecyclePolicy


class LifecyclePolicyBulkEditView(generic.BulkEditView):
    model = LifecyclePolicy
    form_class = forms.LifecyclePolicyBulkEditForm


class LifecyclePolicyBulkDeleteView(generic.BulkDeleteView):
    model = LifecyclePolicy


# --- Findings (derived: list only) -------------------------------------------------------------------------------


class FindingListView(generic.ObjectListView):
    model = Finding
    table_class = tables.FindingTable
    filterset_class = filtersets.FindingFilterSet

    def get_queryset(self):
        return lc.finding_list()

    def base_context(self):
        # Findings are recomputed, never written by hand: no add, bulk edit or delete.
        return super().base_context() | {"can_add": False, "can_change": False, "can_delete": False}

    def extra_actions(self):
        actions = [{"label": "Dashboard", "url": reverse("inventory:lifecycle_dashboard")},
                   {"label": "Forecast", "url": reverse("inventory:lifecycle_forecast")},
                   {"label": "Unmatched versions", "url": reverse("inventory:lifecycle_unmatched")}]
        if self.request.user.has_perm("inventory.change_finding"):
            actions.append({"label": "Re-evaluate now", "url": reverse("inventory:lifecycle_evaluate")})
        return actions


class _PageView(PermissionRequiredMixin, View):
    raise_exception = True


class LifecycleEvaluateView(_PageView):
    """Start the re-evaluation job (GET: a confirmation form, so a link can never start work)."""

    permission_required = "inventory.change_finding"

    def get(self, request):
        return render(request, "inventory/lifecycle_evaluate.html", {})

    def post(self, request):
        job = lifecycle_evaluate_enqueue(user=request.user)
        messages.success(request, f"Started job #{job.pk}: re-evaluating lifecycle findings.")
        try:
            return HttpResponseRedirect(reverse("job_detail", kwargs={"pk": job.pk}))
        except NoReverseMatch:
            return HttpResponseRedirect(reverse("inventory:finding_list"))


# --- Unmatched versions ---------------------------------------------------------------------------------------------


class UnmatchedVersionsView(_PageView):
    """Platform + version texts that resolve to nothing, with device counts; map each once for all its devices."""

    permission_required = "inventory.view_finding"
    headers = ["Platform", "Version text", "Devices", "Looks like product"]

    def get(self, request):
        rows = lc.unmatched_versions()
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return export_response(headers=self.headers, fmt=export, basename="unmatched-versions",
                                   rows=[(r["platform"], r["version"], r["devices"], r["product_guess_name"])
                                         for r in rows])
        return self._render(request, rows)

    def post(self, request):
        if not request.user.has_perm("inventory.add_versionmapping"):
            return self.handle_no_permission()
        rows = lc.unmatched_versions()
        form = forms.MapVersionForm(request.POST, pairs=[forms.pair_value(r["platform_id"], r["version"])
                                                          for r in rows])
        if form.is_valid():
            cycle, devices = form.cleaned_data["cycle"], 0
            try:
                for platform, version in form.cleaned_data["pair"]:
                    _, summary = services.version_mapping_set(platform=platform, version=version, cycle=cycle)
                    devices += summary["devices"]
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                count = len(form.cleaned_data["pair"])
                messages.success(request, f"Mapped {count} version text{'s' if count != 1 else ''} to {cycle}: "
                                          f"{devices} device(s) re-evaluated.")
                return HttpResponseRedirect(reverse("inventory:lifecycle_unmatched"))
        return self._render(request, rows, form=form, status=400)

    def _render(self, request, rows, form=None, status=200):
        total = sum(r["devices"] for r in rows)
        can_map = request.user.has_perm("inventory.add_versionmapping")
        for row in rows:
            query = {"platform": row["platform_slug"]} if row["platform_slug"] else {}
            if row["version"]:
                query["q"] = row["version"]
            row["devices_url"] = f"{reverse('inventory:device_list')}?{urlencode(query)}"
            row["pair"] = forms.pair_value(row["platform_id"], row["version"])
        return render(request, "inventory/lifecycle_unmatched.html", {
            "rows": rows, "total_devices": total, "can_map": can_map and bool(rows),
            "form": form or (forms.MapVersionForm() if can_map and rows else None),
        }, status=status)


# --- Dashboard --------------------------------------------------------------------------------------------------------


class LifecycleDashboardView(_PageView):
    permission_required = "inventory.view_finding"

    def get(self, request):
        summary = lc.lifecycle_summary()
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            rows = [(chart["title"], row["label"], row["count"])
                    for chart in summary["charts"] for row in chart["rows"]]
            rows += [(f"Support status: {group['label']}", c["label"], c["count"])
                     for group in lc.support_counts() for c in group["counts"]]
            return export_response(headers=["Chart", "Label", "Count"], rows=rows, fmt=export,
                                   basename="lifecycle-dashboard")
        return render(request, "inventory/lifecycle_dashboard.html", {"summary": summary, "charts": summary["charts"],
                                                                       "support": lc.support_counts()})


# --- Forecast --------------------------------------------------------------------------------------------------------


def _forecast_params(request) -> dict[str, Any]:
    try:
        years = int(request.GET.get("years") or 5)
    except ValueError:
        years = 5
    site_slugs = [s for s in request.GET.getlist("site") if s]
    kinds = [k for k in request.GET.getlist("kind") if k in DeviceKindChoices.values]
    site_ids = list(Site.objects.filter(slug__in=site_slugs).values_list("pk", flat=True)) if site_slugs else None
    return {"years": max(1, min(years, lc.MAX_YEARS)), "site_ids": site_ids, "kinds": kinds or None,
            "site_slugs": site_slugs}


def forecast_export_rows(forecast: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    headers = ["Group", "Row"]
    for bucket in forecast["buckets"]:
        headers += [f"{bucket['label']} devices", f"{bucket['label']} cost (GBP)", f"{bucket['label']} no cost basis"]
    headers += ["Total devices", "Total cost (GBP)", "Total no cost basis"]
    rows = []
    for group, items in (("Reason", forecast["rows"]), ("Kind", forecast["by_kind"]), ("Site", forecast["by_site"]),
                         ("Software and applications", forecast.get("other", []))):
        for item in items:
            line: list[Any] = [group, item["label"]]
            for cell in [*item["cells"], item["total"]]:
                line += [cell["devices"], cell["cost"], cell["no_cost"]]
            rows.append(line)
    return headers, rows


class LifecycleForecastView(_PageView):
    """Devices leaving support or due for replacement per UK financial year, with costs; drill down per cell."""

    permission_required = "inventory.view_finding"

    def get(self, request):
        params = _forecast_params(request)
        forecast = lc.lifecycle_forecast(years=params["years"], site_ids=params["site_ids"], kinds=params["kinds"])
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            headers, rows = forecast_export_rows(forecast)
            return export_response(headers=headers, rows=rows, fmt=export, basename="lifecycle-forecast")
        base = {"years": params["years"]}
        drill = reverse("inventory:lifecycle_forecast_devices")

        def link(reason: str, bucket: str, **extra: Any) -> str:
            query: list[tuple[str, Any]] = [*base.items(), ("reason", reason), ("bucket", bucket)]
            query += [("site", s) for s in (extra.get("site") and [extra["site"]] or params["site_slugs"])]
            query += [("kind", k) for k in (extra.get("kind") and [extra["kind"]] or params["kinds"] or [])]
            return f"{drill}?{urlencode(query)}"

        other = {"software": reverse("inventory:lifecycle_software") + "?support_status=unsupported",
                 "application_support": reverse("inventory:application_list"),
                 "application_contract": reverse("inventory:application_list")}
        for row in forecast["rows"]:
            for cell in [*row["cells"], row["total"]]:
                cell["url"] = link(row["key"], cell["bucket"])
        for row in forecast["other"]:
            for cell in [*row["cells"], row["total"]]:
                cell["url"] = other[row["key"]]
        for row in forecast["by_kind"]:
            for cell in [*row["cells"], row["total"]]:
                cell["url"] = link(lc.ANY, cell["bucket"], kind=row["key"])
        for row in forecast["by_site"]:
            for cell in [*row["cells"], row["total"]]:
                cell["url"] = link(lc.ANY, cell["bucket"], site=row["key"])
        any_row = forecast["rows"][-1]
        charts = [
            {"id": "forecast-devices", "title": "Devices per financial year", "label": "Financial year",
             "type": "bar", "rows": [{"label": b["label"], "count": c["devices"]}
                                     for b, c in zip(forecast["buckets"], any_row["cells"], strict=True)],
             "datasets": [{"label": r["label"], "data": [c["devices"] for c in r["cells"]]}
                          for r in forecast["rows"]]},
            {"id": "forecast-cost", "title": "Replacement cost per financial year (GBP)", "label": "Financial year",
             "type": "bar", "rows": [{"label": b["label"], "count": float(c["cost"])}
                                     for b, c in zip(forecast["buckets"], any_row["cells"], strict=True)],
             "datasets": [{"label": "Replacement cost (GBP)", "data": [float(c["cost"]) for c in any_row["cells"]]}]},
        ]
        return render(request, "inventory/lifecycle_forecast.html", {
            "forecast": forecast, "charts": charts, "params": params, "sites": Site.objects.order_by("name"),
            "kinds": DeviceKindChoices.choices, "year_choices": range(1, 11),
            "no_cost_total": any_row["total"]["no_cost"], "total_cost": any_row["total"]["cost"] or Decimal("0"),
        })


class ForecastDevicesView(generic.ObjectListView):
    """The devices behind one forecast cell, as a normal (filterable, exportable) device list."""

    model = Device
    table_class = DeviceTable
    template_name = "inventory/lifecycle_forecast_devices.html"

    filterset_class = DeviceFilterSet

    def get_queryset(self):
        params = _forecast_params(self.request)
        reason = self.request.GET.get("reason") or lc.ANY
        bucket = self.request.GET.get("bucket") or "total"
        ids = lc.forecast_device_ids(reason=reason, bucket=bucket, years=params["years"],
                                     site_ids=params["site_ids"], kinds=params["kinds"])
        return selectors.device_list().filter(pk__in=ids)

    def base_context(self):
        context = super().base_context()
        reason = self.request.GET.get("reason") or lc.ANY
        context["forecast_reason"] = lc.FORECAST_REASONS.get(reason, lc.ANY_LABEL)
        context["forecast_bucket"] = self.request.GET.get("bucket") or "total"
        return context


# --- Imports --------------------------------------------------------------------------------------------------------

IMPORT_EOL_PERMS = ("inventory.add_lifecycleproduct", "inventory.add_lifecyclecycle", "inventory.change_lifecyclecycle")
IMPORT_NOTICE_PERMS = ("inventory.add_hardwarenotice", "inventory.change_hardwarenotice",
                       "inventory.add_hardwaremodel", "inventory.change_hardwaremodel")


class LifecycleImportView(View):
    """Import endoflife.date data (file or URL) or a vendor hardware notice CSV; re-load the shipped catalogue."""

    template_name = "inventory/lifecycle_import.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not (request.user.has_perms(IMPORT_EOL_PERMS) or request.user.has_perms(IMPORT_NOTICE_PERMS)):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(request, forms.EndOfLifeImportForm(), forms.HardwareNoticeImportForm())

    def post(self, request):
        from django.core.exceptions import PermissionDenied

        action = request.POST.get("action")
        eol_form, notice_form = forms.EndOfLifeImportForm(), forms.HardwareNoticeImportForm()
        if action == "endoflife":
            if not request.user.has_perms(IMPORT_EOL_PERMS):
                raise PermissionDenied
            eol_form = forms.EndOfLifeImportForm(request.POST, request.FILES)
            if eol_form.is_valid():
                data = eol_form.cleaned_data
                try:
                    payload = _read_json(data["file"]) if data["file"] else None
                    product = data["product"] or None
                    if product is None and isinstance(payload, list):  # v0: the slug is the file name
                        product = Path(data["file"].name).stem
                    summary = services.catalogue_import_endoflife(data=payload, url=data["url"] or None,
                                                                  product=product)
                except ValidationError as exc:
                    eol_form.add_error(None, exc)
                else:
                    messages.success(request, f"Imported {', '.join(summary['products'])}: "
                                              f"{summary['cycles_created']} new cycles, {summary['cycles_updated']} "
                                              f"updated, {summary['cycles_skipped_manual']} kept (edited by hand).")
                    return HttpResponseRedirect(reverse("inventory:lifecycleproduct_list"))
        elif action == "hardware":
            if not request.user.has_perms(IMPORT_NOTICE_PERMS):
                raise PermissionDenied
            notice_form = forms.HardwareNoticeImportForm(request.POST, request.FILES)
            if notice_form.is_valid():
                text = notice_form.cleaned_data["csv_file"].read().decode("utf-8-sig", errors="replace")
                try:
                    summary = services.hardware_notices_import_csv(text=text)
                except ValidationError as exc:
                    notice_form.add_error(None, exc)
                else:
                    messages.success(request, f"Imported {summary['notices_created'] + summary['notices_updated']} "
                                              f"notices; {summary['models_created']} hardware models created, "
                                              f"{summary['models_updated']} updated.")
                    return HttpResponseRedirect(reverse("inventory:hardwarenotice_list"))
        elif action == "shipped":
            if not request.user.has_perms(IMPORT_EOL_PERMS):
                raise PermissionDenied
            summary = services.catalogue_sync_shipped()
            messages.success(request, f"Shipped catalogue loaded: {summary['cycles_created']} new cycles, "
                                      f"{summary['cycles_updated']} updated, {summary['skipped']} kept (imported or "
                                      "edited by hand).")
            return HttpResponseRedirect(reverse("inventory:lifecycleproduct_list"))
        return self._render(request, eol_form, notice_form, status=400)

    def _render(self, request, eol_form, notice_form, status=200):
        return render(request, self.template_name, {
            "eol_form": eol_form, "notice_form": notice_form,
            "can_eol": request.user.has_perms(IMPORT_EOL_PERMS),
            "can_notices": request.user.has_perms(IMPORT_NOTICE_PERMS),
        }, status=status)


def _read_json(upload) -> Any:
    import json

    try:
        return json.loads(upload.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{upload.name}: not valid JSON ({exc}).") from exc
