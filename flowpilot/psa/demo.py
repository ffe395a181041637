"""The demo history's PSA side: ticket links on Northwind's sessions and pushes in every state.

Runs after the session history (flowpilot.demo, step 30) and writes rows directly, as the sender would
have left them over 90 days: most documentation notes and time entries went through at the first attempt,
some after a retry, a few are dead (bad credentials for a while, a deleted ticket), a few are still failing
or wait for an unverified link. Deterministic (a fixed seed); skipped when the account already has links.
"""

import random
from datetime import timedelta

from django.db import connection

from flowpilot.models import AISession, SessionStatus
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushKind, PushStatus, TicketLink
from flowpilot.psa.services import working_spans

SEED = 20261207
DEAD_ERRORS = [
    "PsaAuthError: The PSA refused the credentials (401).",
    "PsaNotFound: The ticket no longer exists in the PSA (404).",
]
# What became of a resolved or escalated session's pushes, in turn: mostly sent at once, some after a retry.
FATES = ["first"] * 6 + ["retried", "first", "first", PushStatus.DEAD] + ["first"] * 5 + ["retried", PushStatus.FAILED]
FAILED_ERROR = "PsaServerError: The PSA answered 503 (service unavailable)."
BACKDATE = """
UPDATE flowpilot_psapush p SET created_at = CASE WHEN p.kind = 'handoff_note' THEN s.escalated_at ELSE s.resolved_at END
FROM flowpilot_aisession s WHERE s.id = p.session_id AND p.account_id = %s
"""


def seed(accounts) -> str:
    account = accounts["northwind"]
    if TicketLink.objects.filter(account=account).exists():
        return "PSA history already there"
    rng = random.Random(SEED)
    sessions = list(
        AISession.objects.for_account(account)
        .exclude(intake_content__ticket_id="")
        .select_related("engineer")
        .order_by("created_at")
    )
    links, pushes = [], []
    newest = sessions[-12:]
    for index, session in enumerate(sessions):
        link_status = _link_status(session, newest)
        number = session.intake_content.get("ticket_id", "")
        links.append(
            TicketLink(
                account=account,
                session=session,
                provider="connectwise",
                number=number,
                ticket_id=number.removeprefix("T-") if link_status == LinkStatus.VERIFIED else "",
                summary=session.problem_summary[:300] if link_status == LinkStatus.VERIFIED else "",
                company=session.intake_content.get("client_name", "") if link_status == LinkStatus.VERIFIED else "",
                status=link_status,
                verified_at=session.created_at if link_status == LinkStatus.VERIFIED else None,
                checked_at=session.created_at,
                check_error="" if link_status == LinkStatus.VERIFIED else "The PSA could not be reached (demo).",
                linked_by=session.engineer,
            )
        )
        pushes += _pushes(session, index, link_status, rng)
    TicketLink.objects.bulk_create(links)
    made = PsaPush.objects.bulk_create(pushes)
    with connection.cursor() as cursor:  # auto_now_add stamped "now": the pushes came with their sessions' closes
        cursor.execute(BACKDATE, [account.pk])
    counts = {status: sum(1 for p in made if p.status == status) for status in PushStatus.values}
    return f"{len(links)} ticket links, {len(made)} PSA pushes ({', '.join(f'{k} {v}' for k, v in counts.items())})"


def _link_status(session, newest) -> str:
    if session in newest[-2:]:
        return LinkStatus.UNVERIFIED
    if session is newest[0]:
        return LinkStatus.NOT_FOUND
    return LinkStatus.VERIFIED


def _pushes(session, index: int, link_status: str, rng: random.Random) -> list[PsaPush]:
    closed = session.resolved_at or session.escalated_at
    if closed is None or session.status == SessionStatus.ABANDONED:
        return []
    if session.status == SessionStatus.RESOLVED:
        span = working_spans(session, end=closed)[-1]
        rows = [
            (PushKind.NOTE, {"internal": False, "resolution": True}),
            (
                PushKind.TIME_ENTRY,
                {
                    "start": span.start.isoformat(),
                    "end": span.end.isoformat(),
                    "hours": str(span.hours),
                    "notes": f"ResolutionFlow session: {session.problem_summary}",
                },
            ),
        ]
    else:
        rows = [(PushKind.HANDOFF_NOTE, {"handoff_id": None, "internal": True, "resolution": False})]
    fate = FATES[index % len(FATES)]
    made = []
    for kind, payload in rows:
        push = PsaPush(
            account_id=session.account_id,
            session=session,
            engineer=session.engineer,
            kind=kind,
            payload=payload,
            next_attempt_at=closed,
        )
        if link_status != LinkStatus.VERIFIED:
            push.status = PushStatus.PENDING  # waits for the link to be verified
        elif fate == PushStatus.DEAD:
            push.status, push.attempts, push.next_attempt_at = PushStatus.DEAD, 8, None
            push.last_error, push.first_attempt_succeeded = rng.choice(DEAD_ERRORS), False
        elif fate == PushStatus.FAILED:
            push.status, push.attempts, push.last_error = PushStatus.FAILED, 3, FAILED_ERROR
            push.first_attempt_succeeded = False
            push.next_attempt_at = closed + timedelta(days=120)  # backing off
        else:
            retried = fate == "retried"
            push.status, push.attempts = PushStatus.SUCCEEDED, 2 if retried else 1
            push.first_attempt_succeeded = not retried
            push.sent_at = closed + timedelta(minutes=rng.randint(3, 40) if retried else 1)
            push.ticket_id = session.intake_content["ticket_id"].removeprefix("T-")
            push.external_id = str(rng.randint(100000, 999999))
            push.next_attempt_at = None
        made.append(push)
    return made
