"""{% load migration_plans %}: money as councils write it, the RAG badge with its exceptions, and the device page's
card of the waves a device is in (inventory's template loads it, as it does discovery's: inventory's code never
imports this app)."""

from __future__ import annotations

from django import template

from migration_plans import selectors
from migration_plans.selectors_reporting import money, variance_text

register = template.Library()


@register.filter
def gbp(value) -> str:
    """£1,234,567.89 (a negative amount as -£1.00, never £-1.00)."""
    try:
        return money(value)
    except (TypeError, ValueError, ArithmeticError):
        return "—"


@register.simple_tag
def over_under(planned, actual) -> str:
    """"£592,002.80 over budget" / "£1,200.00 under budget" / "on budget"."""
    return variance_text(planned or 0, actual or 0)


@register.inclusion_tag("migration_plans/inc/rag.html")
def rag_badge(rag, detail: bool = True):
    return {"rag": rag, "detail": detail}


@register.inclusion_tag("migration_plans/inc/device_waves.html", takes_context=True)
def device_waves_card(context, device):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("migration_plans.view_waveitem"):
        return {"show": False}
    items = list(selectors.device_wave_items(device=device))
    return {"show": bool(items), "items": items}
