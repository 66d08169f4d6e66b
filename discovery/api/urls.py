from rest_framework.routers import DefaultRouter

from discovery.api import views, views_directory, views_rules

router = DefaultRouter()
router.register("credentials", views.CredentialViewSet)
router.register("credential-sets", views.CredentialSetViewSet)
router.register("scopes", views.ScopeViewSet)
router.register("runs", views.DiscoveryRunViewSet)
router.register("host-keys", views.HostKeyViewSet)
router.register("directory-sources", views_directory.DirectorySourceViewSet)
router.register("classification-rules", views_rules.ClassificationRuleViewSet)

app_name = "discovery-api"
urlpatterns = router.urls
