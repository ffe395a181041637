"""A session's PSA ticket link and its outbox of pushes (notes and time entries), sent exactly once.

Imported by flowpilot/models.py: these are flowpilot's models (app label `flowpilot`), kept beside the rest
of the PSA code. The sender (flowpilot/psa/sender.py) works the outbox; services (flowpilot/psa/services.py)
write it in the transaction of the resolve or escalate that causes it.
"""

import uuid

from django.conf import settings
from django.db import models

from flowpilot.psa.connectors.base import Provider
from resolutionflow.models import AccountOwned


class LinkStatus(models.TextChoices):
    VERIFIED = "verified", "Verified"
    UNVERIFIED = "unverified", "Unverified"  # the PSA could not be reached yet: checked again later
    NOT_FOUND = "not_found", "Not found"  # the PSA answered that no such ticket exists: fix the number


class TicketLink(AccountOwned):
    """The PSA ticket a session works on. Only a verified link (the ticket was read) receives pushes."""

    id = models.BigAutoField(primary_key=True)
    session = models.OneToOneField("flowpilot.AISession", on_delete=models.CASCADE, related_name="ticket_link")
    provider = models.CharField(max_length=20, choices=[(p.value, p.name.title()) for p in Provider])
    number = models.CharField(max_length=100, help_text="The ticket number the engineer gave.")
    ticket_id = models.CharField(max_length=100, blank=True, help_text="The PSA's id, once verified.")
    summary = models.CharField(max_length=300, blank=True)
    company = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=LinkStatus.choices, default=LinkStatus.UNVERIFIED)
    verified_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_error = models.CharField(max_length=300, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "flowpilot"
        indexes = [
            models.Index(fields=["account", "created_at"]),
            models.Index(fields=["checked_at"], name="ticketlink_unverified", condition=models.Q(status="unverified")),
        ]

    def __str__(self):
        return f"{self.get_provider_display()} ticket {self.number} ({self.get_status_display().lower()})"

    @property
    def is_verified(self) -> bool:
        return self.status == LinkStatus.VERIFIED


class PushKind(models.TextChoices):
    NOTE = "note", "Documentation note"
    TIME_ENTRY = "time_entry", "Time entry"
    HANDOFF_NOTE = "handoff_note", "Hand-off note"


class PushStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # not tried yet
    FAILED = "failed", "Failed"  # tried, will be tried again at next_attempt_at
    SUCCEEDED = "succeeded", "Succeeded"
    DEAD = "dead", "Dead"  # gave up: an admin may retry it


def new_marker() -> str:
    return f"[ResolutionFlow ref {uuid.uuid4().hex[:16]}]"


class PsaPush(AccountOwned):
    """One note or time entry for a session's ticket: an outbox row, written with the session change that
    causes it and sent once by the sender. Its `marker` travels in the text written to the PSA, so a retry
    after an unknown outcome finds what an earlier attempt stored instead of writing it again."""

    id = models.BigAutoField(primary_key=True)
    # Written inside every resolve and escalate of a linked session: only the indexes something reads
    # (the account's pushes go by (account, created_at); nothing lists pushes by engineer).
    account = models.ForeignKey("resolutionflow.Account", on_delete=models.CASCADE, related_name="+", db_index=False)
    session = models.ForeignKey("flowpilot.AISession", on_delete=models.CASCADE, related_name="psa_pushes")
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text="Whose work it is: the PSA member, agent or resource it is written as.",
    )
    kind = models.CharField(max_length=20, choices=PushKind.choices)
    payload = models.JSONField(
        help_text='note: {"internal", "resolution"} (+ "handoff_id" for a hand-off; the text is read when sent); '
        'time entry: {"start", "end", "hours", "notes"}'
    )
    marker = models.CharField(max_length=60, unique=True, default=new_marker, editable=False)
    status = models.CharField(max_length=20, choices=PushStatus.choices, default=PushStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A sender's claim (its token).")
    last_error = models.CharField(max_length=500, blank=True)
    ticket_id = models.CharField(max_length=100, blank=True, help_text="The ticket it was written to.")
    external_id = models.CharField(max_length=100, blank=True, help_text="The note or time entry's id in the PSA.")
    first_attempt_succeeded = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "flowpilot"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["account", "created_at"]),
            models.Index(
                fields=["next_attempt_at"], name="psapush_due", condition=models.Q(status__in=["pending", "failed"])
            ),
            models.Index(fields=["account", "status"], name="psapush_dead", condition=models.Q(status="dead")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["note", "time_entry", "handoff_note"]), name="psapush_kind_known"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for session {self.session_id}: {self.status}"

    @property
    def hours(self):
        return self.payload.get("hours") if self.kind == PushKind.TIME_ENTRY else None

    @property
    def is_final(self) -> bool:
        return self.status in (PushStatus.SUCCEEDED, PushStatus.DEAD)
