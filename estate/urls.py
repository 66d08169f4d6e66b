from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from estate.api import urls as api_urls
from estate.views import core

urlpatterns = [
    path("", core.home, name="home"),
    path("search/", core.search, name="search"),
    path("health/", core.health, name="health"),
    path("login/", core.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("user/tokens/", core.token_list, name="token_list"),
    path("user/tokens/<int:pk>/delete/", core.token_delete, name="token_delete"),
    path("changelog/", core.changelog, name="changelog"),
    path("", include("estate.jobs.urls")),  # jobs/, schedules/, blackout-windows/
    path("inventory/", include("inventory.urls")),
    path("discovery/", include("discovery.urls")),
    path("programme/", include("migration_plans.urls")),
    path("api/", include(api_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL of its own: no inline script (Content-Security-Policy).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
]
