"""The API root: each app mounts its own router explicitly."""

from django.urls import include, path

from estate.api import views

urlpatterns = [
    path("", views.api_root, name="api-root"),
    path("status/", views.status_view, name="api-status"),
    path("core/", include("estate.api.core_urls")),
    path("inventory/", include("inventory.api.urls")),
    path("lifecycle/", include("inventory.api.lifecycle_urls")),
    path("discovery/", include("discovery.api.urls")),
    path("jobs/", include("estate.api.jobs_urls")),
    path("migration-plans/", include("migration_plans.api.urls")),
]
