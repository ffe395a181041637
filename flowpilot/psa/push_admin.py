"""The Django admin of ticket links and PSA pushes (registered by flowpilot/admin.py importing this module).

Pushes are the record of what was sent: read here, never edited or deleted. An operator retries dead pushes
(the same service as the admins' "Retry now" page) and checks unverified links again.
"""

from django.contrib import admin

from flowpilot.psa import links, services
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushStatus, TicketLink
from resolutionflow.admin import AccountScopedAdmin, ReadOnlyAdmin


@admin.register(PsaPush)
class PsaPushAdmin(ReadOnlyAdmin, AccountScopedAdmin):
    list_display = ["session", "kind", "status", "attempts", "first_attempt_succeeded", "created_at", "sent_at"]
    list_filter = ["status", "kind", "account"]
    list_select_related = ["account", "session"]
    search_fields = ["session__problem_summary", "marker", "external_id", "account__name"]
    raw_id_fields = ["session", "engineer"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    @admin.action(description="Retry now (dead pushes)")
    def retry_now(self, request, queryset):
        retried = 0
        for push in queryset.filter(status=PushStatus.DEAD):
            services.retry_push(push)
            retried += 1
        self.message_user(request, f"{retried} dead push(es) queued for one more attempt.")


@admin.register(TicketLink)
class TicketLinkAdmin(AccountScopedAdmin):
    list_display = ["session", "provider", "number", "status", "company", "verified_at", "checked_at"]
    list_filter = ["status", "provider", "account"]
    list_select_related = ["account", "session"]
    search_fields = ["number", "summary", "company", "account__name"]
    raw_id_fields = ["session", "linked_by"]
    readonly_fields = ["ticket_id", "summary", "company", "status", "verified_at", "checked_at", "check_error"]
    actions = ["check_again"]

    def get_readonly_fields(self, request, obj=None):
        """A saved link belongs to its session (and the session's account): it is never moved to another. A
        verified link's ticket is what the PSA answered: its provider and number are not edited either (the
        session's page corrects only an unverified or not-found link, where the new number is read again)."""
        fixed = ["account", "session"] if obj is not None else []
        if obj is not None and obj.is_verified:
            fixed += ["provider", "number"]
        return [*fixed, *super().get_readonly_fields(request, obj)]

    @admin.action(description="Check unverified links again")
    def check_again(self, request, queryset):
        checked = [links.verify_link(link) for link in queryset.exclude(status=LinkStatus.VERIFIED)]
        verified = sum(1 for link in checked if link.is_verified)
        self.message_user(request, f"{verified} of {len(checked)} link(s) verified.")
