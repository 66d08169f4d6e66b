"""Import pages: upload a spreadsheet → preview (actions per row, column mapping) → confirm.

The uploaded file is kept in a private temporary folder under a random id recorded in the user's session, so the
confirm step re-reads exactly the file that was previewed and no other user can reach it.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from inventory.forms_import import ImportUploadForm
from inventory.importing import MODEL_LABELS, TARGETS
from inventory.services_import import MODELS, ImportResult, import_apply, import_perms, import_preview

SESSION_KEY = "inventory_imports"
PREVIEW_ROWS = 200
STALE_SECONDS = 24 * 3600
LIST_URLS = {"devices": "inventory:device_list", "sites": "inventory:site_list",
             "hardware-models": "inventory:hardwaremodel_list", "applications": "inventory:application_list"}


def allowed_models(user) -> list[str]:
    return [m for m in MODELS if user.has_perms(import_perms(m))]


def _upload_dir() -> Path:
    folder = Path(getattr(settings, "ESTATE_IMPORT_DIR", "") or Path(settings.VAR_DIR) / "imports")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _remove_stale(folder: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for path in folder.glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


class ImportView(View):
    template_upload = "inventory/import.html"
    template_preview = "inventory/import_preview.html"

    def dispatch(self, request, *args, **kwargs):
        if not allowed_models(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        form = ImportUploadForm(models=allowed_models(request.user),
                                initial={"model": request.GET.get("model", "devices")})
        return render(request, self.template_upload, {"form": form})

    def post(self, request):
        if request.POST.get("import_id"):
            return self._confirm(request)
        form = ImportUploadForm(request.POST, request.FILES, models=allowed_models(request.user))
        if not form.is_valid():
            return render(request, self.template_upload, {"form": form}, status=400)
        model = form.cleaned_data["model"]
        self._check(request, model)
        upload = form.cleaned_data["file"]
        data = upload.read()
        folder = _upload_dir()
        _remove_stale(folder)
        import_id = uuid.uuid4().hex
        (folder / f"{import_id}.upload").write_bytes(data)
        imports = request.session.get(SESSION_KEY, {})
        imports[import_id] = {"filename": Path(upload.name or "").name[:200], "model": model}
        request.session[SESSION_KEY] = dict(list(imports.items())[-5:])  # the last few uploads only
        options = {"on_existing": form.cleaned_data["on_existing"],
                   "create_missing_sites": form.cleaned_data["create_missing_sites"]}
        result = import_preview(data=data, filename=upload.name or "", model=model, import_id=import_id, **options)
        return self._render_preview(request, result, imports[import_id]["filename"])

    def _check(self, request, model: str) -> None:
        if model not in MODELS or not request.user.has_perms(import_perms(model)):
            raise PermissionDenied

    def _confirm(self, request):
        import_id = request.POST.get("import_id", "")
        entry = request.session.get(SESSION_KEY, {}).get(import_id)
        path = _upload_dir() / f"{import_id}.upload"
        if entry is None or not import_id.isalnum() or not path.exists():
            messages.error(request, "That upload has expired: choose the file again.")
            return HttpResponseRedirect(reverse("inventory:import"))
        model = entry["model"]
        self._check(request, model)
        data = path.read_bytes()
        columns = request.POST.get("columns", "")
        headers_count = int(columns) if columns.isascii() and columns.isdigit() and int(columns) <= 1000 else 0
        mapping = [request.POST.get(f"map_{i}", "") for i in range(headers_count)] if headers_count else None
        options = {"on_existing": request.POST.get("on_existing") if request.POST.get("on_existing") in
                   ("update", "skip") else "update",
                   "create_missing_sites": request.POST.get("create_missing_sites") in ("1", "on", "true")}
        kwargs = {"data": data, "filename": entry["filename"], "model": model, "mapping": mapping,
                  "import_id": import_id, **options}
        if "_apply" not in request.POST:
            return self._render_preview(request, import_preview(**kwargs), entry["filename"])
        result = import_apply(user=request.user, **kwargs)
        if not result.applied:
            return self._render_preview(request, result, entry["filename"], status=400)
        path.unlink(missing_ok=True)
        imports = request.session.get(SESSION_KEY, {})
        imports.pop(import_id, None)
        request.session[SESSION_KEY] = imports
        counts = result.counts
        messages.success(request, f"Imported {entry['filename']}: {counts['create']} created, {counts['update']} "
                                  f"updated, {counts['skip']} skipped. Request id {result.request_id}.")
        return HttpResponseRedirect(reverse(LIST_URLS[model]))

    def _render_preview(self, request, result: ImportResult, filename: str, status: int | None = None):
        rows = [r for r in result.rows if r.action == "error"][:PREVIEW_ROWS]
        rows += [r for r in result.rows if r.action != "error"][:max(0, PREVIEW_ROWS - len(rows))]
        rows.sort(key=lambda r: r.number)
        context = {
            "result": result,
            "filename": filename,
            "model_label": MODEL_LABELS[result.model],
            "targets": list(TARGETS[result.model].items()),
            "columns": list(zip(range(len(result.headers)), result.headers, result.mapping, strict=True)),
            "rows": rows,
            "hidden_rows": len(result.rows) - len(rows),
            "error_lines": result.errors[:50],
            "more_errors": max(0, len(result.errors) - 50),
            "will_create": result.will_create_text(),
        }
        if status is None:
            status = 200 if result.is_valid else 400
        return render(request, self.template_preview, context, status=status)
