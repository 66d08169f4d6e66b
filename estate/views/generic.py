"""The handful of generic views every app's UI is built from: list, detail, edit, delete, bulk edit, bulk delete.

Each app declares its views explicitly (see inventory/views.py) by setting a few attributes; writes go through
estate.services so model rules, transactions and the audit history apply the same way as in the API.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import BadRequest, ValidationError
from django.db.models import ProtectedError, QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django_tables2 import RequestConfig

from estate import services
from estate.exporting import table_export
from estate.tables import DeferredJoinPaginator
from estate.views.filter_form import FilterFormRenderer

PER_PAGE_CHOICES = (25, 50, 100, 250)
MAX_PK = 2**63 - 1  # the largest value a BigAutoField holds: a larger one overflows the query (a 500)
MAX_SELECTED = 10_000  # rows one bulk action may name


def _perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def selected_pks(values: list[str]) -> list[int]:
    """The primary keys a list page posted (`pk`), as integers. Anything else is the caller's mistake: a 400."""
    if len(values) > MAX_SELECTED:
        raise BadRequest(f"Select at most {MAX_SELECTED:,} rows at once.")
    pks = []
    for value in values:
        value = value.strip()
        if not (value.isascii() and value.isdigit() and 0 < int(value) <= MAX_PK):
            raise BadRequest("Each selected row (pk) must be a whole number.")
        pks.append(int(value))
    return pks


def paging_query(query):
    """The query string with `per_page` one of PER_PAGE_CHOICES and `page` a whole number (else dropped), so that
    django-tables2, which reads both from request.GET, never meets -1 or 10**30 (an EmptyPage 500)."""
    per_page = query.get("per_page", "")
    page = query.get("page", "")
    good_per_page = per_page.isascii() and per_page.isdigit() and int(per_page) in PER_PAGE_CHOICES
    good_page = page.isascii() and page.isdigit() and 0 < int(page) < 10**9
    if ("per_page" in query and not good_per_page) or ("page" in query and not good_page):
        query = query.copy()
        if not good_per_page:
            query.pop("per_page", None)
        if not good_page:
            query.pop("page", None)
    return query


def _safe_return_url(request, default: str) -> str:
    url = request.POST.get("return_url") or request.GET.get("return_url")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


class _ModelView(PermissionRequiredMixin, View):
    model: Any = None
    action = "view"
    raise_exception = True  # logged-in users without the permission get 403, not a login loop

    def get_permission_required(self):
        return (_perm(self.model, self.action),)

    @property
    def url_prefix(self) -> str:
        return self.model.url_name

    def get_queryset(self) -> QuerySet:
        return self.model.objects.all()

    def base_context(self) -> dict[str, Any]:
        meta = self.model._meta
        user = self.request.user
        return {
            "model": self.model,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            "url_prefix": self.url_prefix,
            "can_add": user.has_perm(_perm(self.model, "add")),
            "can_change": user.has_perm(_perm(self.model, "change")),
            "can_delete": user.has_perm(_perm(self.model, "delete")),
        }


class ObjectListView(_ModelView):
    """Sortable, filterable, searchable, paginated list with choosable columns, CSV/XLSX export and bulk actions."""

    table_class: Any = None
    filterset_class: Any = None
    template_name = "estate/object_list.html"

    def get(self, request):
        request.GET = paging_query(request.GET)
        queryset = self.get_queryset()
        filterset = self.filterset_class(request.GET or None, queryset=queryset, request=request)
        filterset.form.renderer = FilterFormRenderer(filterset.form.renderer)
        if filterset.is_bound and not filterset.is_valid():
            queryset = queryset.none()
        else:
            queryset = filterset.qs
        table = self.table_class(queryset, request=request)
        chosen = self._chosen_columns(request, table)
        for column in table.columns:
            if column.name != "pk" and column.name not in chosen:
                table.columns.hide(column.name)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return table_export(table, fmt=export, basename=self.model._meta.model_name)
        per_page = int(request.GET.get("per_page", "50"))
        paginate = {"per_page": per_page, "paginator_class": DeferredJoinPaginator}
        RequestConfig(request, paginate=paginate).configure(table)
        query = request.GET.copy()
        query.pop("page", None)
        context = self.base_context() | {
            "table": table,
            "filterset": filterset,
            "filter_form": filterset.form,
            "all_columns": [(c.name, c.header) for c in table.columns.iterall() if c.name != "pk"],
            "chosen_columns": chosen,
            "per_page": per_page,
            "per_page_choices": PER_PAGE_CHOICES,
            "querystring": query.urlencode(),
            "active_filters": [k for k, v in request.GET.items() if v and k not in {"page", "per_page", "sort"}],
            "extra_actions": self.extra_actions(),
        }
        return render(request, self.template_name, context)

    def extra_actions(self) -> list[dict[str, str]]:
        return []

    def _chosen_columns(self, request, table) -> list[str]:
        key = f"columns:{self.model._meta.label_lower}"
        names = [c.name for c in table.columns.iterall() if c.name != "pk"]
        if request.GET.get("reset_columns"):
            request.session.pop(key, None)
        elif "columns" in request.GET:
            picked = [n for n in request.GET.getlist("columns") if n in names]
            if picked:
                request.session[key] = picked
        chosen = request.session.get(key) or list(table.default_columns) or names
        return [n for n in chosen if n in names]


class ObjectDetailView(_ModelView):
    template_name = ""

    def get(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        history = LogEntry.objects.get_for_object(obj).select_related("actor")[:50]
        context = self.base_context() | {"object": obj, "history": history} | self.extra_context(obj)
        meta = self.model._meta
        return render(request, self.template_name or f"{meta.app_label}/{meta.model_name}.html", context)

    def extra_context(self, obj) -> dict[str, Any]:
        return {}


class ObjectEditView(_ModelView):
    """Create (no pk) or edit (pk) one object."""

    form_class: Any = None
    template_name = "estate/object_edit.html"

    def get_permission_required(self):
        return (_perm(self.model, "change" if self.kwargs.get("pk") else "add"),)

    def get_object(self):
        pk = self.kwargs.get("pk")
        return get_object_or_404(self.get_queryset(), pk=pk) if pk else self.model()

    def get_initial(self) -> dict[str, Any]:
        # Allow prefilling from the query string, e.g. ?site=3 from a site's "add device" button.
        return {k: v for k, v in self.request.GET.items() if k in self.form_class.base_fields}

    def get(self, request, pk=None):
        obj = self.get_object()
        form = self.form_class(instance=obj, initial=self.get_initial() if not obj.pk else None)
        return self._render(obj, form)

    def post(self, request, pk=None):
        obj = self.get_object()
        form = self.form_class(request.POST, instance=obj)
        if form.is_valid():
            try:
                obj = self.save(form)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                verb = "Updated" if pk else "Created"
                messages.success(request, f"{verb} {self.model._meta.verbose_name} {obj}.")
                if "_addanother" in request.POST:
                    return HttpResponseRedirect(request.path)
                return HttpResponseRedirect(_safe_return_url(request, obj.get_absolute_url()))
        return self._render(obj, form, status=400)

    def save(self, form):
        m2m = {f.name: form.cleaned_data[f.name] for f in self.model._meta.many_to_many if f.name in form.cleaned_data}
        return services.object_save(instance=form.instance, m2m=m2m)

    def _render(self, obj, form, status=200):
        context = self.base_context() | {
            "object": obj,
            "form": form,
            "return_url": _safe_return_url(
                self.request, obj.get_absolute_url() if obj.pk else reverse(f"{self.url_prefix}_list")
            ),
        }
        return render(self.request, self.template_name, context, status=status)


class ObjectDeleteView(_ModelView):
    action = "delete"
    template_name = "estate/object_delete.html"

    def get(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        return render(request, self.template_name, self.base_context() | {"object": obj})

    def post(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            services.object_delete(instance=obj)
        except ProtectedError as exc:
            names = ", ".join(str(o) for o in list(exc.protected_objects)[:5])
            messages.error(request, f"Cannot delete {obj}: it is still used by {names}.")
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, f"Deleted {self.model._meta.verbose_name} {obj}.")
        return HttpResponseRedirect(reverse(f"{self.url_prefix}_list"))


class BulkEditView(_ModelView):
    """Step 1: the list posts the selected pks; step 2 (`_apply`) sets the chosen fields on all of them."""

    action = "change"
    form_class: Any = None
    template_name = "estate/bulk_edit.html"

    def bulk_update(self, *, queryset, changes, m2m_add) -> int:
        """The service that applies a bulk edit (a model with rules of its own names its own)."""
        return services.objects_bulk_update(queryset=queryset, changes=changes, m2m_add=m2m_add)

    def post(self, request):
        pks = selected_pks(request.POST.getlist("pk"))
        queryset = self.get_queryset().filter(pk__in=pks)
        if "_apply" in request.POST:
            form = self.form_class(request.POST)
            if form.is_valid():
                changes, m2m_add = form.changes()
                try:
                    count = self.bulk_update(queryset=queryset, changes=changes, m2m_add=m2m_add)
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, f"Updated {count} {self.model._meta.verbose_name_plural}.")
                    return HttpResponseRedirect(_safe_return_url(request, reverse(f"{self.url_prefix}_list")))
        else:
            form = self.form_class()
        if not queryset.exists():
            messages.warning(request, "Select at least one row first.")
            return HttpResponseRedirect(_safe_return_url(request, reverse(f"{self.url_prefix}_list")))
        context = self.base_context() | {"form": form, "objects": queryset[:500], "count": queryset.count(),
                                         "return_url": _safe_return_url(request, reverse(f"{self.url_prefix}_list"))}
        return render(request, self.template_name, context, status=200 if form.is_bound is False else 400)


class BulkDeleteView(_ModelView):
    action = "delete"
    template_name = "estate/bulk_delete.html"

    def post(self, request):
        queryset = self.get_queryset().filter(pk__in=selected_pks(request.POST.getlist("pk")))
        list_url = _safe_return_url(request, reverse(f"{self.url_prefix}_list"))
        if not queryset.exists():
            messages.warning(request, "Select at least one row first.")
            return HttpResponseRedirect(list_url)
        if "_confirm" in request.POST:
            try:
                count = services.objects_bulk_delete(queryset=queryset)
            except ProtectedError as exc:
                names = ", ".join(str(o) for o in list(exc.protected_objects)[:5])
                messages.error(request, f"Nothing was deleted: some are still used by {names}.")
            else:
                messages.success(request, f"Deleted {count} {self.model._meta.verbose_name_plural}.")
            return HttpResponseRedirect(list_url)
        context = self.base_context() | {"objects": queryset[:500], "count": queryset.count(), "return_url": list_url}
        return render(request, self.template_name, context)
