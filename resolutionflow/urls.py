from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from resolutionflow import views
from resolutionflow.forms import AdminSignInForm, SignInForm

# The admin's sign-in shows the lockout message too (resolutionflow/lockout.py).
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<uuid:pk>/", views.team_detail, name="team-detail"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/sign-in-lockouts/", views.sign_in_lockouts, name="sign-in-lockouts"),
    path("accounts/sign-in-lockouts/<uuid:pk>/unlock", views.unlock_sign_in_view, name="sign-in-unlock"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("resolutionflow.api.urls")),
    path("", include("knowledge.urls")),
    path("", include("flowpilot.urls")),
    path("", include("scripts.urls")),
    path("", include("analytics.urls")),
]

# Django's error views: JSON under /api/, the site's pages elsewhere (resolutionflow/api/errors.py).
handler400 = "resolutionflow.api.errors.bad_request"
handler403 = "resolutionflow.api.errors.permission_denied"
handler404 = "resolutionflow.api.errors.page_not_found"
handler500 = "resolutionflow.api.errors.server_error"
