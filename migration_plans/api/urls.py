from django.urls import path
from rest_framework.routers import DefaultRouter

from migration_plans.api import views

router = DefaultRouter()
router.register("programmes", views.ProgrammeViewSet)
router.register("budget-lines", views.BudgetLineViewSet)
router.register("savings", views.SavingsForecastViewSet)
router.register("waves", views.WaveViewSet)
router.register("windows", views.WaveWindowViewSet)
router.register("items", views.WaveItemViewSet)
router.register("runs", views.PlaybookRunViewSet)

app_name = "migration-plans-api"
urlpatterns = [path("dashboard/", views.dashboard, name="dashboard"), *router.urls]
