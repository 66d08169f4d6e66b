"""The navigation menu, built from the URL names of each app (explicit: add an entry when you add a page)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

NAV = (
    ("Inventory", (
        ("Devices", "inventory:device_list", "inventory.view_device"),
        ("Sites", "inventory:site_list", "inventory.view_site"),
        ("Locations", "inventory:location_list", "inventory.view_location"),
        ("Applications", "inventory:application_list", "inventory.view_application"),
        ("Dependencies", "inventory:dependency_list", "inventory.view_dependency"),
        ("Interfaces", "inventory:interface_list", "inventory.view_interface"),
        ("IP addresses", "inventory:ipaddress_list", "inventory.view_ipaddress"),
        ("Installed software", "inventory:installedsoftware_list", "inventory.view_installedsoftware"),
        ("Manufacturers", "inventory:manufacturer_list", "inventory.view_manufacturer"),
        ("Hardware models", "inventory:hardwaremodel_list", "inventory.view_hardwaremodel"),
        ("Platforms", "inventory:platform_list", "inventory.view_platform"),
        ("Tags", "inventory:tag_list", "inventory.view_tag"),
        ("Import", "inventory:import", "inventory.add_device"),
    )),
    ("Lifecycle", (
        ("Dashboard", "inventory:lifecycle_dashboard", "inventory.view_finding"),
        ("Findings", "inventory:finding_list", "inventory.view_finding"),
        ("Forecast", "inventory:lifecycle_forecast", "inventory.view_finding"),
        ("Catalogue", "inventory:lifecycleproduct_list", "inventory.view_lifecycleproduct"),
        ("Unmatched versions", "inventory:lifecycle_unmatched", "inventory.view_finding"),
        ("Policies", "inventory:lifecyclepolicy_list", "inventory.view_lifecyclepolicy"),
        ("Cycles", "inventory:lifecyclecycle_list", "inventory.view_lifecyclecycle"),
        ("Hardware notices", "inventory:hardwarenotice_list", "inventory.view_hardwarenotice"),
        ("Version mappings", "inventory:versionmapping_list", "inventory.view_versionmapping"),
    )),
    ("Discovery", (
        ("Scopes", "discovery:scope_list", "discovery.view_scope"),
        ("Runs", "discovery:run_list", "discovery.view_discoveryrun"),
        ("Directory sources", "discovery:directorysource_list", "discovery.view_directorysource"),
        ("Unidentified devices", "discovery:unidentified_list", "inventory.view_device"),
        ("Classification rules", "discovery:classificationrule_list", "discovery.view_classificationrule"),
        ("Proposed changes", "inventory:proposedchange_list", "inventory.view_proposedchange"),
        ("Credentials", "discovery:credential_list", "discovery.view_credential"),
        ("Credential sets", "discovery:credentialset_list", "discovery.view_credentialset"),
        ("Host keys", "discovery:hostkey_list", "discovery.view_hostkey"),
    )),
    ("Programme", (
        ("Dashboard", "migration_plans:dashboard", "migration_plans.view_programme"),
        ("Programmes", "migration_plans:programme_list", "migration_plans.view_programme"),
        ("Waves", "migration_plans:wave_list", "migration_plans.view_wave"),
        ("Wave items", "migration_plans:waveitem_list", "migration_plans.view_waveitem"),
        ("Budget lines", "migration_plans:budgetline_list", "migration_plans.view_budgetline"),
        ("Savings", "migration_plans:savingsforecast_list", "migration_plans.view_savingsforecast"),
        ("Playbook runs", "migration_plans:playbookrun_list", "migration_plans.view_playbookrun"),
    )),
    ("Jobs", (
        ("Jobs", "job_list", "estate.view_job"),
        ("Schedules", "schedule_list", "estate.view_schedule"),
        ("Blackout windows", "blackoutwindow_list", "estate.view_blackoutwindow"),
        ("Change log", "changelog", "auditlog.view_logentry"),
    )),
)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    sections = []
    for label, entries in NAV:
        items = []
        for item_label, url_name, perm in entries:
            if not user.has_perm(perm):
                continue
            try:
                items.append({"label": item_label, "url": reverse(url_name)})
            except NoReverseMatch:
                continue  # the page is not built yet
        if items:
            sections.append({"label": label, "items": items})
    return {"nav_sections": sections}
