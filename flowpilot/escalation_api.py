"""Escalations API: the inbox (/api/v1/escalations), picking a session up, and a session's hand-offs.

Thin: flowpilot.escalations holds the rules. Another account's session answers 404; a session that is not
waiting (picked up by someone else first, or closed) answers 409; an escalation for someone else, 403.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from flowpilot import escalations, selectors
from flowpilot.serializers import EscalationSerializer, HandoffSerializer, SessionDetailSerializer


@extend_schema(
    parameters=[
        OpenApiParameter(
            "scope",
            OpenApiTypes.STR,
            enum=list(escalations.SCOPES),
            description="Whose inbox: escalated to me (default), to my team, or to no one in particular.",
        ),
        OpenApiParameter(
            "order",
            OpenApiTypes.STR,
            enum=list(escalations.ORDERS),
            description="Oldest waiting first (default) or newest first.",
        ),
    ]
)
class EscalationListView(ListAPIView):
    """Escalated sessions waiting to be picked up, each with its hand-off."""

    serializer_class = EscalationSerializer

    def get_queryset(self):
        params = self.request.query_params
        scope, order = params.get("scope", "me"), params.get("order", "oldest")
        errors = {}
        if scope not in escalations.SCOPES:
            errors["scope"] = [f"Choose one of: {', '.join(escalations.SCOPES)}."]
        if order not in escalations.ORDERS:
            errors["order"] = [f"Choose one of: {', '.join(escalations.ORDERS)}."]
        if errors:
            raise ValidationError(errors)
        return escalations.inbox(self.request.user, scope=scope, order=order)


class PickUpView(APIView):
    @extend_schema(request=None, responses={200: SessionDetailSerializer})
    def post(self, request, pk):
        """Pick the escalated session up: you become its engineer and continue it (409 when it is not waiting)."""
        session = escalations.pick_up_session(selectors.session_to_act_on(request.user, pk), request.user)
        return Response(SessionDetailSerializer(selectors.session(request.user, session.pk)).data)


class HandoffListView(APIView):
    @extend_schema(responses={200: HandoffSerializer(many=True)})
    def get(self, request, pk):
        """The session's hand-offs, oldest first: who escalated it to whom, why, and who picked it up when."""
        session = selectors.session(request.user, pk)
        return Response(HandoffSerializer(escalations.handoffs(session), many=True).data)
