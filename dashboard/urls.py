from __future__ import annotations

from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("stocks/", views.stock_list, name="stocks"),
    path("stocks/<str:code>/", views.stock_detail, name="stock"),
]
