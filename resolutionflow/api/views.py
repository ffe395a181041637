from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from resolutionflow import selectors
from resolutionflow.serializers import MeSerializer, TeamSerializer
from resolutionflow.tenancy import access


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TeamListView(generics.ListAPIView):
    serializer_class = TeamSerializer

    def get_queryset(self):
        return selectors.teams(self.request.user)


class TeamDetailView(generics.RetrieveAPIView):
    serializer_class = TeamSerializer

    def get_object(self):
        return access(selectors.teams(self.request.user), self.request.user, self.kwargs["pk"])
