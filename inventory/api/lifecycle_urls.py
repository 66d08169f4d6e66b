"""/api/lifecycle/: the lifecycle catalogue, policies, findings, forecast and actions."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from inventory.api import lifecycle as views
from inventory.api import lifecycle_software as software_views

router = DefaultRouter()
router.register("products", views.LifecycleProductViewSet)
router.register("cycles", views.LifecycleCycleViewSet)
router.register("hardware-notices", views.HardwareNoticeViewSet)
router.register("version-mappings", views.VersionMappingViewSet)
router.register("policies", views.LifecyclePolicyViewSet)
router.register("findings", views.FindingViewSet)

app_name = "lifecycle-api"
urlpatterns = [
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("evaluate/", views.EvaluateView.as_view(), name="evaluate"),
    path("unmatched/", views.UnmatchedVersionsView.as_view(), name="unmatched"),
    path("unmatched-software/", software_views.UnmatchedSoftwareView.as_view(), name="unmatched-software"),
    path("software/", software_views.SoftwareReleasesView.as_view(), name="software"),
    path("import/endoflife/", views.ImportEndOfLifeView.as_view(), name="import-endoflife"),
    path("import/hardware-notices/", views.ImportHardwareNoticesView.as_view(), name="import-hardware-notices"),
    *router.urls,
]
