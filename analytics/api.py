"""Analytics API (team admins and owners): the dashboard, the MTTR trend and the knowledge gap report."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import gaps, metrics
from analytics.serializers import FlowPilotDashboardSerializer, KnowledgeGapReportSerializer, MTTRDataPointSerializer
from resolutionflow.permissions import IsTeamAdminOrOwner

PERIOD = OpenApiParameter("period", str, enum=list(metrics.PERIODS), default="30d")


class DashboardView(APIView):
    permission_classes = [IsTeamAdminOrOwner]

    @extend_schema(parameters=[PERIOD], responses={200: FlowPilotDashboardSerializer})
    def get(self, request):
        account = request.user.account
        severity = gaps.severity_by_domain(gaps.report(account)["gaps"])
        return Response(metrics.dashboard(account, request.query_params.get("period") or "30d", gap_severity=severity))


class MTTRTrendView(APIView):
    permission_classes = [IsTeamAdminOrOwner]

    @extend_schema(parameters=[PERIOD], responses={200: MTTRDataPointSerializer(many=True)})
    def get(self, request):
        period = request.query_params.get("period") or "30d"
        return Response(metrics.mttr_trend(request.user.account, metrics.period_days(period)))


class KnowledgeGapsView(APIView):
    permission_classes = [IsTeamAdminOrOwner]

    @extend_schema(parameters=[OpenApiParameter("refresh", bool)], responses={200: KnowledgeGapReportSerializer})
    def get(self, request):
        refresh = request.query_params.get("refresh") in ("1", "true", "yes")
        return Response(gaps.report(request.user.account, refresh=refresh))
