from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from resolutionflow import views

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<uuid:pk>/", views.team_detail, name="team-detail"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("resolutionflow.api.urls")),
    path("", include("knowledge.urls")),
    path("", include("flowpilot.urls")),
    path("", include("scripts.urls")),
    path("", include("analytics.urls")),
]
