"""The analytics API's answers, typed as the seed's models (phase3-plan.md: FlowPilotDashboard, MTTRDataPoint,
KnowledgeGapReport...), for the OpenAPI document. The values are computed in metrics.py and gaps.py; these
serializers describe them (a rate or an average is null when nothing was there to measure)."""

from rest_framework import serializers


def rate():
    return serializers.FloatField(allow_null=True)


class MTTRDataPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    mttr_minutes = rate()
    session_count = serializers.IntegerField()


class DomainBreakdownSerializer(serializers.Serializer):
    domain = serializers.CharField(allow_null=True)
    total = serializers.IntegerField()
    resolved = serializers.IntegerField()
    escalated = serializers.IntegerField()
    resolution_rate = rate()


class ConfidenceBreakdownSerializer(serializers.Serializer):
    guided_sessions = serializers.IntegerField()
    guided_resolution_rate = rate()
    exploring_sessions = serializers.IntegerField()
    exploring_resolution_rate = rate()
    discovery_sessions = serializers.IntegerField()
    discovery_resolution_rate = rate()


class DomainCoverageSerializer(serializers.Serializer):
    domain = serializers.CharField(allow_null=True)
    flow_count = serializers.IntegerField()
    session_count = serializers.IntegerField()
    guided_rate = rate()
    gap_severity = serializers.CharField(allow_null=True)
    colour = serializers.CharField()


class KnowledgeCoverageSerializer(serializers.Serializer):
    total_flows = serializers.IntegerField()
    ai_generated_flows = serializers.IntegerField()
    ai_enhanced_flows = serializers.IntegerField()
    total_proposals_pending = serializers.IntegerField()
    proposals_approved_this_period = serializers.IntegerField()
    proposals_rejected_this_period = serializers.IntegerField()
    coverage_by_domain = DomainCoverageSerializer(many=True)


class PsaMetricsSerializer(serializers.Serializer):
    ticket_link_rate = rate()
    unverified_link_rate = rate()
    auto_push_success_rate = rate()
    auto_push_retry_success_rate = rate()
    total_time_entries_logged = serializers.IntegerField()
    total_hours_logged = serializers.FloatField()


class PreviousPeriodSerializer(serializers.Serializer):
    total_sessions = serializers.IntegerField()
    resolution_rate = rate()
    mttr_minutes = rate()
    avg_rating = rate()
    ticket_link_rate = rate()
    psa_metrics = PsaMetricsSerializer(allow_null=True)


class FlowPilotDashboardSerializer(serializers.Serializer):
    period = serializers.CharField()
    total_sessions = serializers.IntegerField()
    resolved_sessions = serializers.IntegerField()
    escalated_sessions = serializers.IntegerField()
    abandoned_sessions = serializers.IntegerField()
    escalations_picked_up = serializers.IntegerField()
    avg_time_to_pickup_minutes = rate()
    resolution_rate = rate()
    avg_steps_to_resolution = rate()
    avg_session_duration_minutes = rate()
    avg_rating = rate()
    mttr_minutes = rate()
    mttr_trend = MTTRDataPointSerializer(many=True)
    sessions_by_domain = DomainBreakdownSerializer(many=True)
    confidence_breakdown = ConfidenceBreakdownSerializer()
    knowledge_coverage = KnowledgeCoverageSerializer()
    psa_metrics = PsaMetricsSerializer(allow_null=True)
    previous = PreviousPeriodSerializer()


class KnowledgeGapSerializer(serializers.Serializer):
    id = serializers.CharField()
    gap_type = serializers.ChoiceField(
        choices=["weak_options", "high_escalation", "uncharted_territory", "repeated_pattern"]
    )
    domain = serializers.CharField(allow_null=True)
    severity = serializers.ChoiceField(choices=["high", "medium", "low"])
    title = serializers.CharField()
    description = serializers.CharField()
    evidence = serializers.DictField(help_text="Supporting data: counts, examples, session ids.")
    suggested_action = serializers.CharField()


class KnowledgeGapReportSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    gaps = KnowledgeGapSerializer(many=True)
