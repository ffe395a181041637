from django.contrib import admin

from knowledge.models import FlowDraft, FlowProposal, Tree, TreeVersion
from resolutionflow.admin import AccountScopedAdmin


class TreeVersionInline(admin.TabularInline):
    model = TreeVersion
    fields = ["version", "name", "origin", "author", "note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


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
        "version",
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
    raw_id_fields = ["created_by", "team"]
    inlines = [TreeVersionInline]


@admin.register(TreeVersion)
class TreeVersionAdmin(admin.ModelAdmin):
    list_display = ["tree", "version", "origin", "author", "created_at"]
    list_filter = ["tree__account", "origin"]
    list_select_related = ["tree", "author"]
    search_fields = ["name", "tree__name", "note"]
    raw_id_fields = ["tree", "author"]


@admin.register(FlowDraft)
class FlowDraftAdmin(AccountScopedAdmin):
    list_display = ["__str__", "account", "author", "source_kind", "target_flow", "published_at", "updated_at"]
    list_filter = ["account", "source_kind"]
    raw_id_fields = ["author", "target_flow", "published_flow"]


@admin.register(FlowProposal)
class FlowProposalAdmin(AccountScopedAdmin):
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
    raw_id_fields = ["source_session", "target_flow", "published_flow", "reviewed_by", "team"]
    exclude = ["embedding"]
    date_hierarchy = "created_at"
