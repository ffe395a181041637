"""POST /api/v1/ai-sessions/{id}/ticket: link a session to its PSA ticket (the session page's "Link a ticket")."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from flowpilot import selectors
from flowpilot.api import SessionActionView
from flowpilot.permissions import require_actor
from flowpilot.psa import links
from flowpilot.psa.serializers import TicketLinkSerializer


class TicketNumberSerializer(serializers.Serializer):
    ticket_id = serializers.CharField(max_length=links.MAX_NUMBER)


class SessionTicketView(SessionActionView):
    """The ticket is read from the PSA: 200 with the link (verified, or unverified when the PSA cannot be
    reached), 400 when the PSA has no such ticket or the account no PSA, 409 when the session's verified
    ticket already has pushes on their way."""

    @extend_schema(request=TicketNumberSerializer, responses=TicketLinkSerializer)
    def post(self, request, pk):
        session = selectors.session(request.user, pk)
        require_actor(request.user, session)
        serializer = TicketNumberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = links.link_ticket(session, serializer.validated_data["ticket_id"], user=request.user)
        return Response(TicketLinkSerializer(link).data)
