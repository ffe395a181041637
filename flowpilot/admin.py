from django.contrib import admin

from flowpilot import analysis_queue
from flowpilot.models import AISession, AISessionStep, FlowNodeDay, ResolutionDay, SessionDay, SessionHandoff
from flowpilot.psa import admin as psa_admin  # noqa: F401 - registers the PSA connection and identities
from flowpilot.psa import push_admin  # noqa: F401 - registers ticket links and pushes
from resolutionflow.admin import AccountScopedAdmin, ReadOnlyAdmin
from resolutionflow.admin_forms import AccountConsistentForm


class AISessionStepForm(AccountConsistentForm):
    account_through = "session"  # a step's flow is one of its session's account


class StepInline(admin.TabularInline):
    model = AISessionStep
    fields = [
        "order",
        "step_type",
        "flow_node_id",
        "selected_option",
        "free_text_input",
        "was_free_text",
        "action_result",
        "answered_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(AISession)
class AISessionAdmin(AccountScopedAdmin):
    """A session is a ticket's documentation and what the flywheel learned from: never deleted here."""

    list_display = [
        "__str__",
        "account",
        "engineer",
        "status",
        "confidence_tier",
        "problem_domain",
        "matched_flow",
        "analysis_status",
        "created_at",
    ]
    list_filter = ["account", "status", "confidence_tier", "analysis_status", "problem_domain", "mode"]
    search_fields = ["problem_summary", "intake_content", "account__name", "engineer__email"]
    list_select_related = ["account", "engineer", "matched_flow"]
    raw_id_fields = ["engineer", "matched_flow", "team", "escalated_to_user", "escalated_to_team"]
    exclude = ["intake_embedding"]
    date_hierarchy = "created_at"
    inlines = [StepInline]
    actions = ["requeue_failed_analyses"]
    readonly_fields = [
        "analysis_attempts",
        "analysis_error",
        "analysis_outcome",
        "analysis_reason",
        "analysis_lease_until",
        "analysis_next_attempt_at",
    ]

    @admin.action(description="Re-queue failed flywheel analyses")
    def requeue_failed_analyses(self, request, queryset):
        count = analysis_queue.requeue_failed(queryset)
        self.message_user(request, f"{count} session(s) re-queued for analysis.")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AISessionStep)
class AISessionStepAdmin(admin.ModelAdmin):
    form = AISessionStepForm
    list_display = ["session", "order", "step_type", "flow_node_id", "was_free_text", "answered_at"]
    list_filter = ["step_type", "was_free_text", "session__account"]
    raw_id_fields = ["session", "flow"]
    search_fields = ["session__problem_summary", "free_text_input"]
    formfield_overrides = AccountScopedAdmin.formfield_overrides

    def has_delete_permission(self, request, obj=None):
        return False  # a step is part of its session's record


@admin.register(SessionHandoff)
class SessionHandoffAdmin(ReadOnlyAdmin, AccountScopedAdmin):
    """Each escalation of a session and its pick-up, kept as they happened (flowpilot.escalations)."""

    list_display = ["session", "account", "escalated_by", "escalated_to_user", "escalated_to_team", "escalated_at"]
    list_display += ["picked_up_by", "picked_up_at", "source"]
    list_filter = ["account", "source"]
    list_select_related = ["session", "account", "escalated_by", "escalated_to_user", "escalated_to_team"]
    search_fields = ["session__problem_summary", "reason", "escalated_by__email", "picked_up_by__email"]
    date_hierarchy = "escalated_at"


@admin.register(SessionDay, ResolutionDay, FlowNodeDay)
class RollupAdmin(admin.ModelAdmin):
    """Rollups are derived data: read them here; `flowpilot.rollups` rebuilds them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
