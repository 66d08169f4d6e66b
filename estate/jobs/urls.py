"""Job, schedule and blackout-window page URLs (included from estate/urls.py without a namespace)."""

from django.urls import path

from estate.views import jobs as views

urlpatterns = [
    path("jobs/", views.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/status.json", views.job_status, name="job_status"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<int:pk>/rerun/", views.job_rerun, name="job_rerun"),
    path("schedules/", views.ScheduleListView.as_view(), name="schedule_list"),
    path("schedules/add/", views.ScheduleEditView.as_view(), name="schedule_add"),
    path("schedules/edit/", views.ScheduleBulkEditView.as_view(), name="schedule_bulk_edit"),
    path("schedules/delete/", views.ScheduleBulkDeleteView.as_view(), name="schedule_bulk_delete"),
    path("schedules/<int:pk>/", views.ScheduleDetailView.as_view(), name="schedule_detail"),
    path("schedules/<int:pk>/edit/", views.ScheduleEditView.as_view(), name="schedule_edit"),
    path("schedules/<int:pk>/delete/", views.ScheduleDeleteView.as_view(), name="schedule_delete"),
    path("blackout-windows/", views.BlackoutWindowListView.as_view(), name="blackoutwindow_list"),
    path("blackout-windows/add/", views.BlackoutWindowEditView.as_view(), name="blackoutwindow_add"),
    path("blackout-windows/edit/", views.BlackoutWindowBulkEditView.as_view(), name="blackoutwindow_bulk_edit"),
    path("blackout-windows/delete/", views.BlackoutWindowBulkDeleteView.as_view(), name="blackoutwindow_bulk_delete"),
    path("blackout-windows/<int:pk>/", views.BlackoutWindowDetailView.as_view(), name="blackoutwindow_detail"),
    path("blackout-windows/<int:pk>/edit/", views.BlackoutWindowEditView.as_view(), name="blackoutwindow_edit"),
    path("blackout-windows/<int:pk>/delete/", views.BlackoutWindowDeleteView.as_view(), name="blackoutwindow_delete"),
]
