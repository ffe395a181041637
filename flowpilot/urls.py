from django.urls import include, path

from flowpilot import escalation_views, views
from flowpilot.psa import ticket_views
from flowpilot.psa import urls as psa_urls

app_name = "flowpilot"

urlpatterns = [
    path("sessions/", views.session_list, name="session-list"),
    path("sessions/new/", views.session_new, name="session-new"),
    path("sessions/<uuid:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<uuid:pk>/view/", views.session_view, name="session-view"),
    path("sessions/<uuid:pk>/answer/", views.session_answer, name="session-answer"),
    path("sessions/<uuid:pk>/switch-flow/", views.session_switch_flow, name="session-switch-flow"),
    path("sessions/<uuid:pk>/script/", views.session_script, name="session-script"),
    path("sessions/<uuid:pk>/script/download/", views.session_script_download, name="session-script-download"),
    path("sessions/<uuid:pk>/capture/", views.session_capture, name="session-capture"),
    path("sessions/<uuid:pk>/hide/", views.session_hide, name="session-hide"),
    path("sessions/<uuid:pk>/resolve/", views.session_resolve, name="session-resolve"),
    path("sessions/<uuid:pk>/escalate/", views.session_escalate, name="session-escalate"),
    path("sessions/<uuid:pk>/abandon/", views.session_abandon, name="session-abandon"),
    path("sessions/<uuid:pk>/pick-up/", escalation_views.session_pick_up, name="session-pick-up"),
    path("escalations/", escalation_views.escalation_inbox, name="escalation-inbox"),
    path("sessions/new/from-ticket/", ticket_views.session_from_ticket, name="session-from-ticket"),
    path("sessions/new/open-tickets/", ticket_views.open_tickets, name="psa-open-tickets"),
    path("sessions/<uuid:pk>/ticket/", ticket_views.session_ticket, name="session-ticket"),
    path("sessions/<uuid:pk>/ticket/check/", ticket_views.session_ticket_check, name="session-ticket-check"),
    path("psa/pushes/", ticket_views.push_list, name="psa-pushes"),
    path("psa/pushes/<int:pk>/retry/", ticket_views.push_retry, name="psa-push-retry"),
    path("", include(psa_urls)),
]
