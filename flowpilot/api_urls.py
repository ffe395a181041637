from django.urls import path

from flowpilot import api, escalation_api
from flowpilot.psa import api as psa_api
from flowpilot.psa import ticket_api

urlpatterns = [
    path("ai-sessions", api.SessionListView.as_view(), name="api-sessions"),
    path("ai-sessions/<uuid:pk>", api.SessionDetailView.as_view(), name="api-session"),
    path("ai-sessions/<uuid:pk>/steps", api.AnswerStepView.as_view(), name="api-session-steps"),
    path("ai-sessions/<uuid:pk>/resolve", api.ResolveView.as_view(), name="api-session-resolve"),
    path("ai-sessions/<uuid:pk>/escalate", api.EscalateView.as_view(), name="api-session-escalate"),
    path("ai-sessions/<uuid:pk>/abandon", api.AbandonView.as_view(), name="api-session-abandon"),
    path("ai-sessions/<uuid:pk>/switch-flow", api.SwitchFlowView.as_view(), name="api-session-switch-flow"),
    path("ai-sessions/<uuid:pk>/ticket", ticket_api.SessionTicketView.as_view(), name="api-session-ticket"),
    path("psa/connection", psa_api.PsaConnectionView.as_view(), name="api-psa-connection"),
    path("ai-sessions/<uuid:pk>/pick-up", escalation_api.PickUpView.as_view(), name="api-session-pick-up"),
    path("ai-sessions/<uuid:pk>/handoffs", escalation_api.HandoffListView.as_view(), name="api-session-handoffs"),
    path("escalations", escalation_api.EscalationListView.as_view(), name="api-escalations"),
]
