from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import router
from dashboard.views import healthz

admin.site.site_header = "Stock trading administration"
admin.site.site_title = "Stock trading"

urlpatterns = [
    path("", include("dashboard.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("healthz", healthz, name="healthz"),
]
