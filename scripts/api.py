"""Scripts API: /api/v1/scripts/templates, /api/v1/scripts/generate, /api/v1/scripts/generations."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from scripts import selectors, services, sessions
from scripts.serializers import (
    GenerateResponseSerializer,
    GenerateSerializer,
    ScriptGenerationSerializer,
    ScriptTemplateSerializer,
    TemplateListQuerySerializer,
)


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="Words in the name, description or slug."),
        OpenApiParameter("category", str, description="A category slug, e.g. active-directory."),
    ]
)
class ScriptTemplateListView(ListAPIView):
    """The templates the user may use: built-in, the account's, their team's."""

    serializer_class = ScriptTemplateSerializer

    def get_queryset(self):
        queryset = selectors.usable_templates(self.request.user).order_by("category__position", "name")
        query = TemplateListQuerySerializer.read(self.request)
        if query["category"] is not None:
            queryset = queryset.filter(category=query["category"])
        if query["q"].strip():
            queryset = selectors.library(self.request.user, q=query["q"]).filter(pk__in=queryset.values("pk"))
        return queryset


class ScriptTemplateDetailView(RetrieveAPIView):
    serializer_class = ScriptTemplateSerializer

    def get_object(self):
        return selectors.template(self.request.user, self.kwargs["pk"])


class GenerateView(APIView):
    @extend_schema(request=GenerateSerializer, responses={201: GenerateResponseSerializer})
    def post(self, request):
        """Generate a script. 400 with {"parameters": {key: [message]}}; 404 for a template the user may not
        use or an AI session of another account; 403 for a session the user may read but not act on (only
        its engineer, the escalation target or an admin). The script in the answer is the only copy with
        its secrets."""
        serializer = GenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        template = selectors.template(request.user, data["template_id"])
        session_id = data.get("ai_session_id")
        ai_session = sessions.session_to_act_on(request.user, session_id) if session_id else None
        generation, script = services.generate(request.user, template, params=data["parameters"], ai_session=ai_session)
        response = Response({"generation_id": generation.pk, "script": script}, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class ScriptGenerationListView(ListAPIView):
    """The user's own generations, newest first."""

    serializer_class = ScriptGenerationSerializer

    def get_queryset(self):
        return selectors.my_generations(self.request.user)


class ScriptGenerationDetailView(RetrieveAPIView):
    serializer_class = ScriptGenerationSerializer

    def get_object(self):
        return selectors.generation(self.request.user, self.kwargs["pk"])
