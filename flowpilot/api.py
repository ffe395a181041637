"""Sessions API: /api/v1/ai-sessions and its actions. Thin: the engine holds every rule."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from flowpilot import engine, selectors
from flowpilot.permissions import require_actor
from flowpilot.psa import links as psa_links
from flowpilot.serializers import (
    AbandonSerializer,
    AnswerSerializer,
    EscalateSerializer,
    ResolveSerializer,
    SessionDetailSerializer,
    SessionListQuerySerializer,
    SessionListSerializer,
    SessionSerializer,
    StartSessionSerializer,
    StepSerializer,
    SwitchFlowSerializer,
)
from knowledge import selectors as knowledge_selectors
from resolutionflow.models import Team, User
from resolutionflow.tenancy import access
from resolutionflow.throttling import SESSION_ANSWER, SESSION_START, ScopedThrottle


@extend_schema_view(get=extend_schema(parameters=[SessionListQuerySerializer]))
class SessionListView(ListAPIView):
    serializer_class = SessionListSerializer
    throttle_classes = [ScopedThrottle]  # POST only: starting a session
    throttle_scope = SESSION_START

    def get_queryset(self):
        query = SessionListQuerySerializer.read(self.request)
        return selectors.sessions(
            self.request.user,
            scope=query["scope"],
            status=query["status"],
            domain=query["problem_domain"],
            tier=query["confidence_tier"],
        )

    @extend_schema(request=StartSessionSerializer, responses={201: SessionSerializer})
    def post(self, request):
        data = _valid(StartSessionSerializer, request)
        session = psa_links.start_session(
            request.user,
            data["intake"],
            client_name=data["client_name"],
            device=data["device"],
            ticket_id=data["ticket_id"],
            prefer_capture=data["prefer_capture"],
        )
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SessionDetailView(APIView):
    @extend_schema(responses=SessionDetailSerializer)
    def get(self, request, pk):
        return Response(SessionDetailSerializer(selectors.session(request.user, pk)).data)


class SessionActionView(APIView):
    """Base for POST actions: fetch in the account (404), check the actor (403), validate (400)."""

    serializer_class = None

    def acting_session(self, request, pk):
        """Every engine action reads the session again, locked: the check needs only a narrow row."""
        session = selectors.session_to_act_on(request.user, pk)
        require_actor(request.user, session)
        return session


class AnswerStepView(SessionActionView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = SESSION_ANSWER

    @extend_schema(request=AnswerSerializer, responses={200: StepSerializer})
    def post(self, request, pk):
        session = self.acting_session(request, pk)
        session = engine.answer_step(session, **_valid(AnswerSerializer, request))
        return Response({"current_step": StepSerializer(engine.current_step(session)).data})


class ResolveView(SessionActionView):
    @extend_schema(request=ResolveSerializer, responses=SessionDetailSerializer)
    def post(self, request, pk):
        session = self.acting_session(request, pk)
        session = engine.resolve_session(session, **_valid(ResolveSerializer, request))
        return Response(SessionDetailSerializer(session).data)


class EscalateView(SessionActionView):
    @extend_schema(request=EscalateSerializer, responses=SessionDetailSerializer)
    def post(self, request, pk):
        session = self.acting_session(request, pk)
        data = _valid(EscalateSerializer, request)
        target_user = access(User, request.user, data["target_user_id"]) if data.get("target_user_id") else None
        target_team = access(Team, request.user, data["target_team_id"]) if data.get("target_team_id") else None
        session = engine.escalate_session(
            session, reason=data["reason"], target_user=target_user, target_team=target_team
        )
        return Response(SessionDetailSerializer(session).data)


class AbandonView(SessionActionView):
    @extend_schema(request=AbandonSerializer, responses=SessionDetailSerializer)
    def post(self, request, pk):
        session = self.acting_session(request, pk)
        session = engine.abandon_session(session, **_valid(AbandonSerializer, request))
        return Response(SessionDetailSerializer(session).data)


class SwitchFlowView(SessionActionView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = SESSION_ANSWER

    @extend_schema(request=SwitchFlowSerializer, responses={200: StepSerializer})
    def post(self, request, pk):
        session = self.acting_session(request, pk)
        flow = knowledge_selectors.flow(request.user, _valid(SwitchFlowSerializer, request)["flow_id"])
        session = engine.switch_flow(session, flow)
        return Response({"current_step": StepSerializer(engine.current_step(session)).data})


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
