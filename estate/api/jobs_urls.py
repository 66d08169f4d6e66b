"""/api/jobs/: jobs at the root (/api/jobs/, /api/jobs/{id}/…), then schedules, blackout windows, scheduler history."""

from rest_framework.routers import SimpleRouter

from estate.api import jobs

router = SimpleRouter()
router.register("schedules", jobs.ScheduleViewSet, basename="schedule")
router.register("blackout-windows", jobs.BlackoutWindowViewSet, basename="blackoutwindow")
router.register("schedule-events", jobs.ScheduleEventViewSet, basename="scheduleevent")
router.register("", jobs.JobViewSet, basename="job")

app_name = "jobs-api"
urlpatterns = router.urls
