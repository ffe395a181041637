from django.urls import path

from knowledge import api

urlpatterns = [
    path("flows", api.FlowListView.as_view(), name="api-flows"),
    path("flows/match", api.FlowMatchView.as_view(), name="api-flow-match"),
    path("flows/<uuid:pk>", api.FlowDetailView.as_view(), name="api-flow"),
    path("flows/<uuid:pk>/versions", api.FlowVersionListView.as_view(), name="api-flow-versions"),
]
