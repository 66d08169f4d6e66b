from django.urls import path
from rest_framework.routers import DefaultRouter

from inventory.api import importing, proposals, views

router = DefaultRouter()
router.register("sites", views.SiteViewSet)
router.register("locations", views.LocationViewSet)
router.register("manufacturers", views.ManufacturerViewSet)
router.register("hardware-models", views.HardwareModelViewSet)
router.register("platforms", views.PlatformViewSet)
router.register("tags", views.TagViewSet)
router.register("devices", views.DeviceViewSet)
router.register("interfaces", views.InterfaceViewSet)
router.register("ip-addresses", views.IPAddressViewSet)
router.register("software", views.InstalledSoftwareViewSet)
router.register("applications", views.ApplicationViewSet)
router.register("dependencies", views.DependencyViewSet)
router.register("proposed-changes", proposals.ProposedChangeViewSet)

app_name = "inventory-api"
urlpatterns = [
    path("import/", importing.ImportView.as_view(), name="import"),
    *router.urls,
]
