from rest_framework.routers import DefaultRouter

from discovery.api import views

router = DefaultRouter()
router.register("credentials", views.CredentialViewSet)
router.register("credential-sets", views.CredentialSetViewSet)
router.register("scopes", views.ScopeViewSet)
router.register("runs", views.DiscoveryRunViewSet)
router.register("host-keys", views.HostKeyViewSet)

app_name = "discovery-api"
urlpatterns = router.urls
