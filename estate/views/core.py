"""Home dashboard, global search, health check, API tokens and the change log."""

from __future__ import annotations

from datetime import timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required, permission_required
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from estate import services
from estate.forms import EstateForm
from estate.models import Token
from inventory import selectors as inventory_selectors


@login_not_required
def health(request):
    """For load balancers and monitoring: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "unhealthy"}, status=503)
    return JsonResponse({"status": "ok"})


class LoginView(auth_views.LoginView):
    """Django's login page; while the account or the address has failed too often (estate.throttling), it says so
    and answers 429, whatever the password."""

    def form_invalid(self, form):
        if not getattr(self.request, "login_throttled", False):
            return super().form_invalid(form)
        minutes = max(1, settings.ESTATE_THROTTLE_WINDOW_SECONDS // 60)
        form.errors["__all__"] = form.error_class([f"Too many failed logins: try again in {minutes} minutes."])
        return self.render_to_response(self.get_context_data(form=form), status=429)


@login_required
def home(request):
    stats = inventory_selectors.estate_summary()
    return render(request, "estate/home.html", {"stats": stats})


@login_required
def search(request):
    query = (request.GET.get("q") or "").strip()
    results = inventory_selectors.global_search(query=query, user=request.user) if query else []
    return render(request, "estate/search.html", {"query": query, "results": results})


class TokenForm(EstateForm):
    from django import forms as _forms

    description = _forms.CharField(max_length=200, required=False)
    write_enabled = _forms.BooleanField(required=False, label="Allow writes (otherwise read-only)")
    expires_in_days = _forms.IntegerField(
        min_value=1, max_value=3650, required=False, initial=90, label="Expires in (days); blank for never"
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        _, new_key = services.token_create(
            user=request.user,
            description=form.cleaned_data["description"],
            write_enabled=form.cleaned_data["write_enabled"],
            expires=timezone.now() + timedelta(days=days) if days else None,
        )
        form = TokenForm()
    tokens = Token.objects.filter(user=request.user)
    response = render(request, "estate/tokens.html", {"tokens": tokens, "form": form, "new_key": new_key})
    response["Cache-Control"] = "no-store"  # the page may show a key once
    return response


@login_required
@require_http_methods(["POST"])
def token_delete(request, pk: int):
    token = get_object_or_404(Token, pk=pk, user=request.user)
    services.object_delete(instance=token)
    messages.success(request, "Token revoked.")
    return HttpResponseRedirect(reverse("token_list"))


@permission_required("auditlog.view_logentry", raise_exception=True)
def changelog(request):
    entries = LogEntry.objects.select_related("actor", "content_type")
    rid = request.GET.get("request_id")
    if rid:
        entries = entries.filter(cid=rid)
    return render(request, "estate/changelog.html", {"entries": entries[:200], "request_id": rid})
