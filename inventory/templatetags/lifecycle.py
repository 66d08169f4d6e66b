"""Lifecycle template helpers: a device's findings (device page) and the home page's lifecycle cards."""

from __future__ import annotations

from django import template

from inventory.selectors_lifecycle import device_findings, lifecycle_headline

register = template.Library()


@register.simple_tag
def findings_for(device) -> list:
    """{% findings_for object as findings %}: the device's findings, most severe first."""
    return device_findings(device=device)


@register.inclusion_tag("inventory/inc/lifecycle_cards.html", takes_context=True)
def lifecycle_cards(context) -> dict:
    """The home page's "Lifecycle" card row (only for users who may see findings)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("inventory.view_finding"):
        return {"show": False}
    return {"show": True, "headline": lifecycle_headline()}


_RAG = {"critical": "red", "high": "red", "medium": "amber", "low": "blue", "info": "green"}


@register.filter
def severity_rag(severity: str) -> str:
    """RAG colour class suffix of a finding severity."""
    return _RAG.get(severity, "blue")


@register.filter
def support_rag(status: str) -> str:
    """RAG colour class suffix of a support phase (supported green, security only amber, beyond it red)."""
    from inventory.tables_lifecycle import SUPPORT_RAG

    return SUPPORT_RAG.get(status, "blue")
