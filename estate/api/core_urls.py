from rest_framework.routers import DefaultRouter

from estate.api import views

router = DefaultRouter()
router.register("changes", views.LogEntryViewSet, basename="logentry")
router.register("tokens", views.TokenViewSet, basename="token")

app_name = "core-api"
urlpatterns = router.urls
