"""Operators' view of flows and proposals. History is kept here as everywhere: a flow is archived, never deleted;
versions and proposals are records; a flow's content (the tree JSON and the rest of its envelope) is read-only,
because it changes only by publishing a version (validated, versioned, re-embedded) in the product."""

from django.contrib import admin

from knowledge import services
from knowledge.models import FlowDraft, FlowProposal, GeneralisationTerm, ProposalType, Tree, TreeStatus, TreeVersion
from resolutionflow.admin import AccountScopedAdmin, ReadOnlyAdmin

ENVELOPE_FIELDS = ["name", "description", "tree_type", "problem_domain", "match_keywords", "tree_structure"]


class TreeVersionInline(admin.TabularInline):
    model = TreeVersion
    fields = ["version", "name", "origin", "author", "note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tree)
class TreeAdmin(AccountScopedAdmin):
    list_display = [
        "name",
        "account",
        "problem_domain",
        "tree_type",
        "origin",
        "status",
        "version",
        "times_matched",
        "success_rate",
        "updated_at",
    ]
    list_filter = ["account", "status", "origin", "tree_type", "problem_domain"]
    search_fields = ["name", "description", "slug", "account__name"]
    readonly_fields = [
        *ENVELOPE_FIELDS,
        "account",
        "origin",
        "status",
        "version",
        "source_session",
        "created_by",
        "embedding_model",
        "times_matched",
        "times_followed",
        "success_count",
        "success_rate",
        "last_matched_at",
        "created_at",
        "updated_at",
        "published_at",
    ]
    exclude = ["embedding", "search_document"]
    raw_id_fields = ["team"]
    inlines = [TreeVersionInline]
    actions = ["archive"]

    def has_add_permission(self, request):
        return False  # flows are created (validated, versioned, embedded) in the product

    def has_delete_permission(self, request, obj=None):
        return False  # archived, never deleted: sessions, proposals and versions refer to it

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "team" in form.changed_data:
            services.move_flow(obj, obj.team)  # its enhancements follow it

    @admin.action(description="Archive (leaves matching and the library; history is kept)")
    def archive(self, request, queryset):
        flows = list(queryset.exclude(status=TreeStatus.ARCHIVED))
        for flow in flows:
            services.archive_flow(flow)
        self.message_user(request, f"{len(flows)} flow(s) archived.")


@admin.register(TreeVersion)
class TreeVersionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Published versions are history: read here, never changed or deleted."""

    list_display = ["tree", "version", "origin", "author", "created_at"]
    list_filter = ["tree__account", "origin"]
    list_select_related = ["tree", "author"]
    search_fields = ["name", "tree__name", "note"]


@admin.register(FlowDraft)
class FlowDraftAdmin(AccountScopedAdmin):
    """Drafts are edited in the flow editor (which validates on publish); here they are read or removed."""

    list_display = ["__str__", "account", "author", "source_kind", "target_flow", "published_at", "updated_at"]
    list_filter = ["account", "source_kind"]
    readonly_fields = [f.name for f in FlowDraft._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(FlowProposal)
class FlowProposalAdmin(AccountScopedAdmin):
    """Proposals are the flywheel's record (approved ones included): reviewed in the Review Queue, never deleted.
    Only a new flow's team may be changed here (to move a team's content before deleting the team); an
    enhancement follows its target flow's team."""

    list_display = [
        "title",
        "account",
        "proposal_type",
        "status",
        "problem_domain",
        "confidence_score",
        "supporting_session_count",
        "generated_by",
        "created_at",
    ]
    list_filter = ["account", "status", "proposal_type", "generated_by", "problem_domain"]
    search_fields = ["title", "description", "account__name"]
    raw_id_fields = ["team"]
    exclude = ["embedding"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        editable = ("team",) if obj is None or obj.proposal_type == ProposalType.NEW_FLOW else ()
        return [f.name for f in FlowProposal._meta.fields if f.name not in (*editable, "embedding")]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GeneralisationTerm)
class GeneralisationTermAdmin(AccountScopedAdmin):
    list_display = ["term", "replacement", "account", "created_at"]
    search_fields = ["term", "account__name"]
