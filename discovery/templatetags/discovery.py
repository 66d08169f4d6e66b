"""{% discovery_card device %}: the device page's Discovery card (host keys, last results, working credentials)."""

from __future__ import annotations

from django import template

from discovery import selectors

register = template.Library()


@register.inclusion_tag("discovery/inc/device_discovery.html", takes_context=True)
def discovery_card(context, device):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (user.has_perm("discovery.view_hostkey") or user.has_perm("discovery.view_discoveryrun")):
        return {"show": False}
    data = selectors.device_discovery(device=device)
    return {
        "show": bool(data["host_keys"] or data["results"] or data["access"]),
        "host_keys": data["host_keys"] if user.has_perm("discovery.view_hostkey") else [],
        "results": data["results"] if user.has_perm("discovery.view_discoveryrun") else [],
        "access": data["access"] if user.has_perm("discovery.view_credential") else [],
    }


@register.inclusion_tag("discovery/inc/run_proposals.html", takes_context=True)
def run_proposals(context, run):
    """The open proposals a run made (values stronger than a person's), with a link to review them."""
    from inventory.choices import ProposedChangeStatusChoices
    from inventory.models import ProposedChange

    count = ProposedChange.objects.filter(job_id=run.job_id, status=ProposedChangeStatusChoices.OPEN).count()
    return {"count": count, "run": run, "perms": context.get("perms"), "request": context.get("request"),
            "csrf_token": context.get("csrf_token")}
