"""About 90 days of Northwind sessions, made through the engine so every row is consistent.

Deterministic (a fixed random seed); run once per account (skipped when history exists). Timestamps are
moved back afterwards: the engine stamps "now", the demo spreads sessions over the last 90 days, and each
matched flow's `last_matched_at` follows its latest session (knowledge.usage.backdate_last_matches).
"""

import random
import uuid
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from flowpilot import analysis_queue, engine, escalations, rollups
from flowpilot.models import AISession, AISessionStep, SessionHandoff, StepType
from knowledge import demo as knowledge_demo
from knowledge import usage
from knowledge.tree_format import find_node
from resolutionflow.models import Account, Team, User

DAYS = 90
SEED = 20261125

# (intake, the flow it is about or None) — phrased the way tickets arrive.
INTAKES = [
    ("Jane in accounts is locked out again, second time this week", "ad-account-lockout"),
    ("User can't log in - says account is locked", "ad-account-lockout"),
    ("Password expired while she was on holiday, can't sign in remotely", "ad-password-expired"),
    (
        "The trust relationship between this workstation and the primary domain failed on RECEPTION-02",
        "ad-trust-relationship",
    ),
    ("Mapped drives from group policy not showing up for the new sales team", "ad-group-policy-not-applying"),
    ("Outlook keeps asking for my password every few minutes", "exchange-outlook-password-prompts"),
    ("Mailbox full warning, can't send emails", "exchange-mailbox-full"),
    ("Emails to our supplier bounce back with 550 5.7.1", "exchange-mail-bounces"),
    ("Can't open the accounts shared mailbox in Outlook", "exchange-shared-mailbox-access"),
    ("MFA prompt never arrives on new phone, can't get into Office 365", "m365-mfa-sign-in"),
    ("Word says Unlicensed Product across the top", "m365-office-unlicensed"),
    ("OneDrive stuck on 'processing changes' and files not syncing", "m365-onedrive-sync"),
    ("Nobody can hear me on Teams calls, mic works in other apps", "m365-teams-audio-video"),
    ("One PC in the office has no internet, everyone else is fine", "networking-no-internet-one-pc"),
    ("Websites not loading by name but ping 8.8.8.8 works", "networking-dns-resolution"),
    ("Wi-Fi keeps dropping in the meeting room", "networking-wifi-drops"),
    ("File server painfully slow opening spreadsheets today", "networking-slow-file-share"),
    ("FortiClient won't connect from home, stuck at 40%", "vpn-cannot-connect"),
    ("VPN connected but can't reach the S: drive", "vpn-connected-no-access"),
    ("Printer on 2nd floor shows offline, jobs stuck in queue", "printing-printer-offline"),
    ("Can't add the new HP printer, driver install asks for admin", "printing-driver-install"),
    ("Scan to email stopped working on the Ricoh copier", "printing-scan-to-email"),
    ("Windows update fails with 0x800f0922 on several laptops", "windows-update-fails"),
    ("Laptop takes 10 minutes to boot and is slow all day", "windows-slow-pc"),
    ("Blue screen CRITICAL_PROCESS_DIED twice this morning", "windows-bsod"),
    ("Signed in with a temporary profile, desktop is empty", "windows-temporary-profile"),
    ("Veeam backup job failed last night on FS01", "backup-job-failed"),
    ("Deleted a folder from the shared drive, need it back", "backup-restore-deleted-file"),
    ("User clicked a link in a fake DocuSign email and typed her password", "security-phishing-clicked"),
    ("Customers receiving invoices from our CFO's mailbox that he never sent", "security-compromised-mailbox"),
    ("Laptop won't turn on, charging light doesn't come on", "hardware-laptop-no-power"),
    ("Monitors on the Dell dock not detected after update", "hardware-dock-monitors"),
    ("QuickBooks H202 error when opening company file in multi-user mode", "lob-quickbooks-multi-user"),
    # Problems no starter flow covers: captured, then learned by the flywheel.
    ("Intune enrollment fails on new laptop with error 0x80180014", None),
    ("BitLocker recovery key prompt after BIOS update on a Dell Latitude", None),
    ("Yealink desk phone one-way audio on external calls", None),
    ("Entra Connect sync errors, new users not appearing in Microsoft 365", None),
    ("Plotter in the drawing office prints blank pages", None),
]

CAPTURE_NOTES = {
    "Intune enrollment fails on new laptop with error 0x80180014": [
        ("Checked the device in Intune > Devices", "Device already registered to a previous user"),
        ("Deleted the stale Autopilot record and re-imported the hash", "Enrollment completed"),
    ],
    "BitLocker recovery key prompt after BIOS update on a Dell Latitude": [
        ("Looked up the recovery key in Entra ID > Devices", "Key found, laptop unlocked"),
        ("Suspended BitLocker before re-flashing, then resumed", "No prompt after reboot"),
    ],
    "Yealink desk phone one-way audio on external calls": [
        ("Checked SIP ALG on the firewall NG-FW01", "SIP ALG was enabled on the new router"),
        ("Disabled SIP ALG and rebooted the phones", "Two-way audio restored"),
    ],
    "Entra Connect sync errors, new users not appearing in Microsoft 365": [
        ("Ran Get-ADSyncScheduler on the sync server", "Sync cycle disabled after a server reboot"),
        (
            "Set-ADSyncScheduler -SyncCycleEnabled $true and Start-ADSyncSyncCycle -PolicyType Delta",
            "Users appeared within 5 minutes",
        ),
    ],
    "Plotter in the drawing office prints blank pages": [
        ("Printed the plotter's internal test page", "Also blank: not a driver problem"),
        ("Ran the printhead cleaning cycle twice", "Faint lines only"),
        ("Replaced the cyan/black printhead", "Prints correctly, confirmed with Tom Baker"),
    ],
}

ESCAPES = [
    "The account is disabled by the leaver script, not locked",
    "Error mentions a certificate, none of these options",
    "User is on a Mac, the Windows steps don't apply",
    "The issue started after the firewall firmware update",
]


def seed(accounts: dict[str, Account]) -> str:
    account = accounts["northwind"]
    if AISession.objects.for_account(account).exists():
        return "session history already there"
    rng = random.Random(SEED)
    engineers = list(User.objects.filter(account=account, role__in=["engineer", "team_admin"]).order_by("email"))
    flows = {t.slug: t for t in account_flows(account)}
    now = timezone.now()
    made = 0
    last_matched = {}  # flow id -> the latest start of a session matched to it (the engine stamped "now")
    for day in range(DAYS, 0, -1):
        for _ in range(rng.choice([1, 2, 2, 3, 3, 4])):
            intake, slug = rng.choice(INTAKES)
            started = now - timedelta(days=day, hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
            session = engine.start_session(
                rng.choice(engineers),
                intake,
                client_name=rng.choice(CLIENTS),
                ticket_id=f"T-{rng.randint(10000, 99999)}",
            )
            if session.matched_flow_id is not None:
                last_matched[session.matched_flow_id] = max(started, last_matched.get(session.matched_flow_id, started))
            session = play(session, flows.get(slug), rng)
            backdate(session, started, minutes=rng.randint(6, 75))
            made += 1
    picked = pick_up_some(account, engineers)
    waiting = work_in_progress(account, rng, last_matched)
    usage.backdate_last_matches(last_matched)
    rollups.rebuild()  # the sessions moved back in time: recount the rollups
    rollups.rebuild_session_days(account.pk)
    return f"{made} demo sessions over {DAYS} days ({picked} escalations picked up, {waiting} still open)"


# Work still open, so the home page and the inbox have something in them: (engineer, intake index, escalated to
# a user's e-mail, to the team, or None to stay active with the engineer).
TODAY = [
    ("alex@northwind.test", 0, None, None),
    ("alex@northwind.test", 5, None, None),
    ("sam@northwind.test", 2, "alex@northwind.test", None),
    ("lead@northwind.test", 7, None, "Service Desk"),
    ("sam@northwind.test", 9, None, "Service Desk"),
]


def work_in_progress(account, rng: random.Random, last_matched: dict) -> int:
    """Sessions started the evening before: some still active with their engineer, some escalated and waiting in an
    engineer's or the Service Desk's inbox (picked up by nobody yet). Their matches are added to `last_matched`."""
    people = {user.email: user for user in User.objects.filter(account=account)}
    teams = {team.name: team for team in Team.objects.filter(account=account)}
    for index, (email, intake_index, to_user, to_team) in enumerate(TODAY):
        intake, _slug = INTAKES[intake_index % len(INTAKES)]
        session = engine.start_session(people[email], intake, client_name=rng.choice(CLIENTS))
        if to_user or to_team:
            session = first_steps(session, rng)
            session = engine.escalate_session(
                session,
                reason="Needs someone with admin rights on the client's tenant",
                target_user=people.get(to_user),
                target_team=teams.get(to_team),
            )
        started = timezone.now() - timedelta(hours=13 + index, minutes=rng.randint(0, 59))  # the previous evening
        backdate(session, started, minutes=rng.randint(10, 40))
        if session.confidence_tier != "discovery":  # the engine recorded a match on the best candidate
            flow_id = uuid.UUID(session.candidate_matches[0]["flow_id"])
            last_matched[flow_id] = max(started, last_matched.get(flow_id, started))
    return len(TODAY)


def pick_up_some(account, engineers) -> int:
    """Every other escalation is picked up by a colleague between 10 minutes and 4 hours later and resolved by
    them on site, so the dashboard has pick-ups to show (a random stream of its own: the history is unchanged)."""
    rng = random.Random(SEED + 1)
    escalated = AISession.objects.for_account(account).filter(status="escalated").order_by("created_at")
    picked = 0
    for session in list(escalated)[::2]:
        colleague = rng.choice([e for e in engineers if e.pk != session.engineer_id])
        session = escalations.pick_up_session(session, colleague)
        session = engine.resolve_session(session, resolution_summary="Fixed on site by second line")
        picked_up_at = session.escalated_at + timedelta(minutes=rng.randint(10, 240))
        resolved_at = picked_up_at + timedelta(minutes=rng.randint(20, 90))
        SessionHandoff.objects.filter(session=session).update(picked_up_at=picked_up_at)
        AISession.objects.filter(pk=session.pk).update(resolved_at=resolved_at)
        AISessionStep.objects.filter(session=session, answered_at__gt=resolved_at).update(answered_at=resolved_at)
        picked += 1
    return picked


CLIENTS = ["Acme Dental", "Keller Accountants", "Northgate Legal", "Bluebird Bakery", "Harbor Logistics"]


def analyze(accounts: dict[str, Account]) -> str:
    """Run the flywheel over the demo history, and park one proposal as dismissed."""
    results = analysis_queue.analyze_pending()
    knowledge_demo.park_one_proposal(accounts["northwind"])
    counts = ", ".join(f"{k} {v}" for k, v in sorted(results.items())) or "nothing new"
    return f"flywheel analysis: {counts}"


def account_flows(account):
    from knowledge.models import Tree

    return Tree.objects.for_account(account).exclude(slug="")


def play(session: AISession, flow, rng: random.Random) -> AISession:
    """Answer the session as an engineer would: mostly follow the flow, sometimes escape, escalate or abandon."""
    fate = rng.random()
    for _ in range(12):
        step = engine.current_step(session)
        if fate < 0.06:
            return engine.abandon_session(session, reason="Duplicate ticket")
        if fate < 0.16 and step.order >= 2:
            return engine.escalate_session(session, reason="Needs on-site visit")
        if step.step_type == StepType.SOLUTION:
            break
        if step.step_type == StepType.CAPTURE:
            notes = CAPTURE_NOTES.get(session.intake_text) or [("Checked the event logs", "Found the cause")]
            done = session.steps.filter(step_type=StepType.CAPTURE, answered_at__isnull=False).count()
            if done >= len(notes):
                break
            session = engine.answer_step(session, free_text=notes[done][0], result=notes[done][1])
        elif step.step_type == StepType.QUESTION:
            if step.content.get("source") == "flow" and rng.random() < 0.12:
                session = engine.answer_step(session, free_text=rng.choice(ESCAPES))
            else:
                session = engine.answer_step(session, selected_option=_pick(step, rng))
        else:
            session = engine.answer_step(session, action_result=rng.choice(["Done", "Worked", "Done, no change"]))
    summary = _resolution(session)
    return engine.resolve_session(session, resolution_summary=summary, rating=rng.choice([3, 4, 4, 5, 5, None]))


def first_steps(session: AISession, rng: random.Random, count: int = 2) -> AISession:
    """Answer the session's first steps as an engineer who then needs help would (no solution reached)."""
    for _ in range(count):
        step = engine.current_step(session)
        if step.step_type == StepType.QUESTION:
            session = engine.answer_step(session, selected_option=_pick(step, rng))
        elif step.step_type == StepType.CAPTURE:
            session = engine.answer_step(
                session, free_text="Checked the user's sign-in logs", result="Sign-ins blocked by conditional access"
            )
        elif step.step_type == StepType.ACTION:
            session = engine.answer_step(session, action_result="Done, no change")
        else:
            break
    return session


def _pick(step: AISessionStep, rng: random.Random) -> str:
    """Prefer options that lead to a solution that is not an open end."""
    options = step.options
    if step.flow is not None:
        ref = find_node(step.flow.tree_structure, step.flow_node_id)
        if ref:
            good = [c["label"] for c in ref.node.get("children", []) if not c.get("open")]
            options = good or options
    return rng.choice(options)


def _resolution(session: AISession) -> str:
    step = engine.current_step(session)
    if step.step_type == StepType.SOLUTION:
        return step.text[:500]
    notes = CAPTURE_NOTES.get(session.intake_text)
    return notes[-1][0] if notes else "Fixed after checking the logs with the user"


def backdate(session: AISession, started, minutes: int) -> None:
    """Move a session and its steps back in time, keeping their order and durations."""
    shift = session.created_at - started
    end = started + timedelta(minutes=minutes)
    AISession.objects.filter(pk=session.pk).update(
        created_at=started,
        resolved_at=end if session.resolved_at else None,
        escalated_at=end if session.escalated_at else None,
        abandoned_at=end if session.abandoned_at else None,
    )
    AISessionStep.objects.filter(session=session).update(
        created_at=F("created_at") - shift, answered_at=F("answered_at") - shift
    )
    SessionHandoff.objects.filter(session=session).update(escalated_at=end)
