from __future__ import annotations

from django.urls import path

from dashboard import schedule, views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("stocks/", views.stock_list, name="stocks"),
    path("stocks/<str:code>/", views.stock_detail, name="stock"),
    path("schedule/", schedule.schedule, name="schedule"),
    path("schedule/<int:pk>/", schedule.change, name="schedule_change"),
    path("schedule/<int:pk>/run/", schedule.run, name="schedule_run"),
]
