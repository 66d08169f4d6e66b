"""Teach Estate: taught classification rules (list, detail with preview and apply, add/edit with preview, delete,
bulk), the unidentified devices, drafting a rule from a device, and YAML export/import.

The rule's form, table and filters live here too (one small model); writes go through discovery.services_rules.
"""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views import View

from discovery.models_rules import ClassificationRule
from discovery.services_rules import (
    classification_rule_save,
    draft_from_device,
    rule_apply,
    rule_preview,
    rules_export,
    rules_import,
    unidentified_devices,
)
from estate.forms import BulkEditForm, EstateForm, EstateModelForm
from estate.tables import EstateTable
from estate.views import generic
from inventory.filtersets import SearchFilterSet
from inventory.models import Device

PREVIEW_ROWS = 200
_VIEW, _CHANGE = "discovery.view_classificationrule", "discovery.change_classificationrule"


class ClassificationRuleForm(EstateModelForm):
    class Meta:
        model = ClassificationRule
        fields = ["name", "enabled", "sys_object_id", "sys_descr", "manufacturer", "kind", "platform", "model",
                  "version", "description"]


class ClassificationRuleBulkEditForm(BulkEditForm):
    enabled = forms.NullBooleanField(required=False, widget=forms.Select(choices=[("", "—"), ("true", "Enabled"),
                                                                                   ("false", "Disabled")]))
    description = forms.CharField(max_length=200, required=False)
    nullable_fields = ("description",)


class RulesImportForm(EstateForm):
    file = forms.FileField(required=False, label="YAML file", help_text="As exported (at most 1 MiB)")
    text = forms.CharField(required=False, label="Or paste YAML", widget=forms.Textarea(attrs={"rows": 8}))

    def yaml_text(self) -> str:
        upload = self.cleaned_data.get("file")
        if upload is not None:
            return upload.read((1 << 20) + 1).decode("utf-8", "replace")
        return self.cleaned_data.get("text") or ""


class ClassificationRuleFilterSet(SearchFilterSet):
    search_fields = ("name__icontains", "sys_object_id__startswith", "sys_descr__icontains",
                     "manufacturer__icontains", "platform__icontains", "description__icontains")

    kind = django_filters.MultipleChoiceFilter(choices=ClassificationRule._meta.get_field("kind").choices)

    class Meta:
        model = ClassificationRule
        fields = ["name", "enabled", "manufacturer"]


class ClassificationRuleTable(EstateTable):
    name = tables.Column(linkify=True)

    class Meta(EstateTable.Meta):
        model = ClassificationRule
        fields = ("pk", "name", "enabled", "sys_object_id", "sys_descr", "manufacturer", "kind", "platform", "model",
                  "version", "description", "last_updated")
    default_columns = ("name", "enabled", "sys_object_id", "sys_descr", "manufacturer", "kind", "platform")


class ClassificationRuleListView(generic.ObjectListView):
    model = ClassificationRule
    table_class = ClassificationRuleTable
    filterset_class = ClassificationRuleFilterSet

    def extra_actions(self):
        return [{"label": "Unidentified devices", "url": reverse("discovery:unidentified_list")},
                {"label": "Export YAML", "url": reverse("discovery:classificationrule_export")},
                {"label": "Import YAML", "url": reverse("discovery:classificationrule_import")}]


class ClassificationRuleDetailView(generic.ObjectDetailView):
    model = ClassificationRule

    def extra_context(self, obj):
        try:
            preview = rule_preview(rule=obj)
        except ValidationError:
            preview = []
        return {"preview": preview[:PREVIEW_ROWS], "preview_count": len(preview),
                "can_apply": obj.enabled and self.request.user.has_perm(_CHANGE)}


class ClassificationRuleEditView(generic.ObjectEditView):
    """Add or edit; the "Preview" button shows exactly which devices the rule would change, saving nothing."""

    model = ClassificationRule
    form_class = ClassificationRuleForm
    template_name = "discovery/classificationrule_edit.html"

    def post(self, request, pk=None):
        if "_preview" not in request.POST:
            return super().post(request, pk)
        obj = self.get_object()
        form = self.form_class(request.POST, instance=obj)
        preview = None
        if form.is_valid():
            preview = rule_preview(rule=form.instance)
        response = self._render(obj, form, status=200 if preview is not None else 400)
        if preview is not None:
            context = {"object": obj, "form": form, "preview": preview[:PREVIEW_ROWS], "preview_count": len(preview),
                       "previewed": True, "return_url": request.POST.get("return_url", "")}
            return render(request, self.template_name, self.base_context() | context)
        return response

    def save(self, form):
        return classification_rule_save(rule=form.instance)


class ClassificationRuleDeleteView(generic.ObjectDeleteView):
    model = ClassificationRule


class ClassificationRuleBulkEditView(generic.BulkEditView):
    model = ClassificationRule
    form_class = ClassificationRuleBulkEditForm


class ClassificationRuleBulkDeleteView(generic.BulkDeleteView):
    model = ClassificationRule


class ClassificationRuleApplyView(PermissionRequiredMixin, View):
    """POST: apply the rule to every device it matches now (audited), then back to the rule."""

    permission_required = (_VIEW, _CHANGE, "inventory.change_device")
    raise_exception = True

    def post(self, request, pk):
        rule = get_object_or_404(ClassificationRule, pk=pk)
        try:
            summary = rule_apply(rule=rule, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Applied {rule}: {summary['updated']} devices updated, "
                                      f"{summary['unchanged']} unchanged, {summary['failed']} failed.")
        return HttpResponseRedirect(rule.get_absolute_url())


class ClassificationRuleExportView(PermissionRequiredMixin, View):
    permission_required = (_VIEW,)
    raise_exception = True

    def get(self, request):
        response = HttpResponse(rules_export(), content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="estate-rules.yaml"'
        return response


class ClassificationRuleImportView(PermissionRequiredMixin, View):
    permission_required = (_VIEW, "discovery.add_classificationrule", _CHANGE)
    raise_exception = True
    template_name = "discovery/classificationrule_import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": RulesImportForm()})

    def post(self, request):
        form = RulesImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                counts = rules_import(text=form.yaml_text())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Imported rules: {counts['created']} new, {counts['updated']} updated.")
                return HttpResponseRedirect(reverse("discovery:classificationrule_list"))
        return render(request, self.template_name, {"form": form}, status=400)


class UnidentifiedDeviceListView(PermissionRequiredMixin, View):
    """Devices Estate could not name (kind other, no platform, no version), each with "Teach a rule"."""

    permission_required = ("inventory.view_device",)
    raise_exception = True

    def get(self, request):
        devices = list(unidentified_devices()[:500])
        can_teach = request.user.has_perm("discovery.add_classificationrule")
        return render(request, "discovery/unidentified.html", {"devices": devices, "can_teach": can_teach})


class RuleDraftView(PermissionRequiredMixin, View):
    """GET ?device=<pk>: the add form, filled in from the device's last discovered facts."""

    permission_required = ("inventory.view_device", "discovery.add_classificationrule")
    raise_exception = True

    def get(self, request):
        raw = request.GET.get("device", "")
        if not (raw.isascii() and raw.isdigit() and int(raw) < 2**63):
            return HttpResponse("device must be a device id", status=400, content_type="text/plain")
        draft = draft_from_device(device=get_object_or_404(Device, pk=int(raw)))
        initial = {name: getattr(draft, name) for name in ("name", "sys_object_id", "sys_descr", "manufacturer",
                                                           "kind") if getattr(draft, name)}
        return HttpResponseRedirect(f"{reverse('discovery:classificationrule_add')}?{urlencode(initial)}")


urlpatterns = [
    path("rules/", ClassificationRuleListView.as_view(), name="classificationrule_list"),
    path("rules/add/", ClassificationRuleEditView.as_view(), name="classificationrule_add"),
    path("rules/edit/", ClassificationRuleBulkEditView.as_view(), name="classificationrule_bulk_edit"),
    path("rules/delete/", ClassificationRuleBulkDeleteView.as_view(), name="classificationrule_bulk_delete"),
    path("rules/export/", ClassificationRuleExportView.as_view(), name="classificationrule_export"),
    path("rules/import/", ClassificationRuleImportView.as_view(), name="classificationrule_import"),
    path("rules/draft/", RuleDraftView.as_view(), name="classificationrule_draft"),
    path("rules/<int:pk>/", ClassificationRuleDetailView.as_view(), name="classificationrule_detail"),
    path("rules/<int:pk>/edit/", ClassificationRuleEditView.as_view(), name="classificationrule_edit"),
    path("rules/<int:pk>/delete/", ClassificationRuleDeleteView.as_view(), name="classificationrule_delete"),
    path("rules/<int:pk>/apply/", ClassificationRuleApplyView.as_view(), name="classificationrule_apply"),
    path("unidentified/", UnidentifiedDeviceListView.as_view(), name="unidentified_list"),
]
