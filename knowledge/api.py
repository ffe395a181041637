"""Flows API: /api/v1/flows, /api/v1/flows/{id}, /api/v1/flows/{id}/versions, /api/v1/flows/match."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from knowledge import matching, review, selectors, services
from knowledge.models import TreeStatus
from knowledge.permissions import require_flow_editor, require_reviewer
from knowledge.serializers import (
    FlowListQuerySerializer,
    FlowSerializer,
    FlowVersionSerializer,
    FlowWriteSerializer,
    MatchRequestSerializer,
    MatchResponseSerializer,
    ProposalDetailSerializer,
    ProposalListQuerySerializer,
    ProposalStatsSerializer,
    ProposalSummarySerializer,
    ReviewRequestSerializer,
)
from resolutionflow.throttling import FLOW_MATCH, ScopedThrottle


@extend_schema_view(get=extend_schema(parameters=[FlowListQuerySerializer]))
class FlowListView(ListAPIView):
    serializer_class = FlowSerializer

    def get_queryset(self):
        query = FlowListQuerySerializer.read(self.request)
        return selectors.flows(
            self.request.user,
            q=query["q"],
            domain=query["problem_domain"],
            origin=query["origin"],
            tree_type=query["tree_type"],
            status=query["status"],
            sort=query["sort"],
        )

    @extend_schema(request=FlowWriteSerializer, responses={201: FlowSerializer})
    def post(self, request):
        require_flow_editor(request.user)
        serializer = FlowWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tree = services.create_flow(
            request.user.account,
            serializer.envelope(),
            author=request.user,
            team=request.user.team if request.user.is_team_admin else None,
            publish=serializer.validated_data["status"] == TreeStatus.PUBLISHED,
            note=serializer.validated_data["note"],
        )
        return Response(FlowSerializer(tree).data, status=status.HTTP_201_CREATED)


class FlowDetailView(APIView):
    @extend_schema(responses=FlowSerializer)
    def get(self, request, pk):
        return Response(FlowSerializer(selectors.flow(request.user, pk)).data)

    @extend_schema(request=FlowWriteSerializer, responses=FlowSerializer)
    def put(self, request, pk):
        tree = selectors.flow(request.user, pk)
        require_flow_editor(request.user, tree)
        serializer = FlowWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tree = services.publish_tree(
            tree,
            serializer.envelope(),
            author=request.user,
            note=serializer.validated_data["note"],
            expected_version=serializer.validated_data.get("expected_version"),
        )
        return Response(FlowSerializer(tree).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        """Archive the flow: it leaves matching and the library; its history and stats stay."""
        tree = selectors.flow(request.user, pk)
        require_flow_editor(request.user, tree)
        services.archive_flow(tree)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FlowVersionListView(ListAPIView):
    serializer_class = FlowVersionSerializer

    def get_queryset(self):
        return selectors.flow_versions(selectors.flow(self.request.user, self.kwargs["pk"]))


class FlowMatchView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = FLOW_MATCH

    @extend_schema(request=MatchRequestSerializer, responses=MatchResponseSerializer)
    def post(self, request):
        serializer = MatchRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = matching.match(
            request.user.account, serializer.validated_data["text"], limit=serializer.validated_data["limit"]
        )
        return Response(
            {
                "matches": [{"flow_id": tree.pk, "name": tree.name, "score": round(score, 4)} for tree, score in found],
                "confidence_tier": matching.confidence_tier(found[0][1] if found else None),
            }
        )


@extend_schema_view(get=extend_schema(parameters=[ProposalListQuerySerializer]))
class ProposalListView(ListAPIView):
    serializer_class = ProposalSummarySerializer

    def get_queryset(self):
        query = ProposalListQuerySerializer.read(self.request)
        return selectors.proposals(
            self.request.user,
            status=query["status"],
            proposal_type=query["proposal_type"],
            domain=query["problem_domain"],
            sort=query["sort"],
        )


class ProposalStatsView(APIView):
    @extend_schema(responses=ProposalStatsSerializer)
    def get(self, request):
        return Response(selectors.proposal_stats(request.user))


class ProposalDetailView(APIView):
    @extend_schema(responses=ProposalDetailSerializer)
    def get(self, request, pk):
        return Response(ProposalDetailSerializer(selectors.proposal(request.user, pk)).data)


class ProposalReviewView(APIView):
    @extend_schema(request=ReviewRequestSerializer, responses=ProposalDetailSerializer)
    def post(self, request, pk):
        proposal = selectors.proposal(request.user, pk)
        require_reviewer(request.user, proposal)  # the role on this proposal first: a refused role learns nothing
        serializer = ReviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reviewed = review.review_proposal(proposal, reviewer=request.user, **serializer.validated_data)
        return Response(ProposalDetailSerializer(reviewed).data)
