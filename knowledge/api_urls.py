from django.urls import path

from knowledge import api

urlpatterns = [
    path("flows", api.FlowListView.as_view(), name="api-flows"),
    path("flows/match", api.FlowMatchView.as_view(), name="api-flow-match"),
    path("flows/<uuid:pk>", api.FlowDetailView.as_view(), name="api-flow"),
    path("flows/<uuid:pk>/versions", api.FlowVersionListView.as_view(), name="api-flow-versions"),
    path("flow-proposals", api.ProposalListView.as_view(), name="api-proposals"),
    path("flow-proposals/stats", api.ProposalStatsView.as_view(), name="api-proposal-stats"),
    path("flow-proposals/<uuid:pk>", api.ProposalDetailView.as_view(), name="api-proposal"),
    path("flow-proposals/<uuid:pk>/review", api.ProposalReviewView.as_view(), name="api-proposal-review"),
]
