"""Every API route lives under /api/v1/; each app adds `path("", include("<app>.api_urls"))` here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from resolutionflow.api import auth, views

urlpatterns = [
    path("auth/token", auth.ObtainTokenView.as_view(), name="api-token"),
    path("me", views.MeView.as_view(), name="api-me"),
    path("teams", views.TeamListView.as_view(), name="api-teams"),
    path("teams/<uuid:pk>", views.TeamDetailView.as_view(), name="api-team"),
    path("schema/", SpectacularJSONAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("knowledge.api_urls")),
    path("", include("flowpilot.api_urls")),
    path("", include("analytics.api_urls")),
    path("", include("scripts.api_urls")),
]
