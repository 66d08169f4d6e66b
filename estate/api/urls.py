"""The API root: each app mounts its own router explicitly."""

from django.urls import include, path

from estate.api import views

urlpatterns = [
    path("", views.api_root, name="api-root"),
    path("status/", views.status_view, name="api-status"),
    path("core/", include("estate.api.core_urls")),
    path("inventory/", include("inventory.api.urls")),
]
