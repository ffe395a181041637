from django.urls import path

from analytics import api

urlpatterns = [
    path("analytics/flowpilot", api.DashboardView.as_view(), name="api-analytics-dashboard"),
    path("analytics/flowpilot/mttr-trend", api.MTTRTrendView.as_view(), name="api-analytics-mttr"),
    path("analytics/flowpilot/knowledge-gaps", api.KnowledgeGapsView.as_view(), name="api-analytics-gaps-flowpilot"),
    path("analytics/knowledge-gaps", api.KnowledgeGapsView.as_view(), name="api-analytics-gaps"),
]
