"""Synthetic sessions and steps in bulk, for benches (`manage.py generate_scale_data`).

Realistic in shape, not in prose: sessions follow the starter flows' real node ids (so gap analysis and
flow health have something to find), statuses, tiers, domains, ratings and durations are spread like a
real service desk's, and intake vectors are drawn from a pool of real embeddings (embedding every row
would take hours). Rows go in with COPY, secondary indexes are dropped first and rebuilt after.
Meant for a throwaway database: `generate()` refuses to run where real accounts exist.
"""

import io
import json
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from flowpilot import rollups
from flowpilot.demo import CAPTURE_NOTES, ESCAPES, INTAKES
from flowpilot.errors import NotThrowaway
from flowpilot.models import SessionMode
from knowledge.matching import ConfidenceTier
from knowledge.models import Tree
from knowledge.tree_format import TROUBLESHOOTING, iter_nodes
from resolutionflow.ai.embeddings import get_embedder
from resolutionflow.models import Account, Role, Team, User

SCALE_PREFIX = "scale-"
SESSION_COLUMNS = (
    "id, account_id, team_id, engineer_id, intake_content, intake_embedding, intake_embedding_model, "
    "problem_summary, problem_domain, status, mode, confidence_tier, matched_flow_id, matched_flow_version, "
    "match_score, candidate_matches, current_node_id, left_flow_node_id, left_flow_reason, conversation_messages, "
    "resolution_summary, resolution_node_id, documentation, rating, feedback, escalation_reason, handoff_summary, "
    "abandon_reason, outcome_recorded, created_at, updated_at, resolved_at, escalated_at, abandoned_at, "
    "analysis_status, answered_step_count"
)
STEP_COLUMNS = (
    'session_id, "order", step_type, content, flow_id, flow_node_id, selected_option, free_text_input, '
    "was_free_text, action_result, notes, answered_at, created_at"
)
NULL = "\\N"


@dataclass
class Result:
    accounts: int
    sessions: int
    steps: int


def generate(
    sessions: int,
    *,
    accounts: int = 1,
    days: int = 730,
    seed: int = 1,
    batch: int = 20_000,
    force: bool = False,
    progress=None,
    pending_analysis: bool = False,
    steps_per_session: int | None = None,
) -> Result:
    """`pending_analysis`: resolved sessions wait for the flywheel (a backlog) instead of being done.
    `steps_per_session`: pad sessions with capture steps to about this many steps."""
    STEPS_TARGET["steps"] = steps_per_session
    if not force and Account.objects.exclude(slug__startswith=SCALE_PREFIX).exists():
        raise NotThrowaway("This database has real accounts; run against a throwaway database (or --force).")
    rng = random.Random(seed)
    tenants = [_tenant(i) for i in range(accounts)]
    pool = _vector_pool()
    now = timezone.now()
    dropped = _drop_indexes()
    total_steps = 0
    made = 0
    try:
        while made < sessions:
            count = min(batch, sessions - made)
            total_steps += _copy_batch(rng, tenants, pool, count, days, now, pending_analysis)
            made += count
            if progress:
                progress(made, total_steps)
    finally:
        _restore_indexes(dropped)
    rollups.rebuild()
    rollups.rebuild_session_days()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE flowpilot_aisession")
        cursor.execute("ANALYZE flowpilot_aisessionstep")
    return Result(len(tenants), made, total_steps)


def _tenant(index: int) -> dict:
    from knowledge.starter import import_starter_library

    account, _ = Account.objects.get_or_create(
        slug=f"{SCALE_PREFIX}{index}", defaults={"name": f"Scale account {index}"}
    )
    team, _ = Team.objects.get_or_create(account=account, name="Service Desk")
    engineers = []
    for n in range(12):
        user, _ = User.objects.get_or_create(
            email=f"engineer{n}@{account.slug}.test",
            defaults={"account": account, "team": team, "role": Role.TEAM_ADMIN if n == 0 else Role.ENGINEER},
        )
        engineers.append(user)
    if not Tree.objects.for_account(account).exists():
        import_starter_library(account)
    flows = []
    for tree in Tree.objects.for_account(account).filter(tree_type=TROUBLESHOOTING).exclude(slug=""):
        nodes = {ref.node["id"]: ref.node for ref in iter_nodes(tree.tree_structure)}
        flows.append({"tree": tree, "nodes": nodes, "by_slug": tree.slug})
    return {
        "account": account,
        "team": team,
        "engineers": engineers,
        "flows": flows,
        "by_slug": {f["by_slug"]: f for f in flows},
    }


def _vector_pool() -> dict[str, str]:
    """Each demo intake's real embedding, as the literal COPY takes (formatted once, reused per row)."""
    embedder = get_embedder()
    texts = [text for text, _ in INTAKES]
    vectors = embedder.embed(texts, "query")
    return {text: "[" + ",".join(f"{v:.5g}" for v in vector) + "]" for text, vector in zip(texts, vectors, strict=True)}


def _copy_batch(rng, tenants, pool, count, days, now, pending_analysis=False) -> int:
    sessions = io.StringIO()
    steps = io.StringIO()
    step_count = 0
    model = get_embedder().model_name
    for _ in range(count):
        tenant = rng.choice(tenants)
        text, slug = rng.choice(INTAKES)
        flow = tenant["by_slug"].get(slug)
        row, session_steps = _session(rng, tenant, flow, text, days, now)
        row["intake_embedding"] = pool[text]
        row["intake_embedding_model"] = model
        if pending_analysis and row["analysis_status"]:
            row["analysis_status"] = "pending"
        sessions.write("\t".join(_cell(row[c.strip()]) for c in SESSION_COLUMNS.split(",")) + "\n")
        for step in session_steps:
            steps.write("\t".join(_cell(step[c.strip().strip('"')]) for c in STEP_COLUMNS.split(",")) + "\n")
        step_count += len(session_steps)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY flowpilot_aisession ({SESSION_COLUMNS}) FROM STDIN") as copy:
            copy.write(sessions.getvalue())
        with raw.copy(f"COPY flowpilot_aisessionstep ({STEP_COLUMNS}) FROM STDIN") as copy:
            copy.write(steps.getvalue())
    return step_count


def _session(rng, tenant, flow, text, days, now):
    session_id = uuid.uuid4()
    created = now - timedelta(days=rng.random() * days, minutes=rng.randint(0, 600))
    roll = rng.random()
    status = "resolved" if roll < 0.72 else "escalated" if roll < 0.86 else "abandoned" if roll < 0.95 else "active"
    duration = timedelta(minutes=max(3, int(rng.lognormvariate(3.0, 0.7))))
    if flow is not None:
        tier = ConfidenceTier.GUIDED if rng.random() < 0.62 else ConfidenceTier.EXPLORING
        guided, exploring = settings.CONFIDENCE_GUIDED_THRESHOLD, settings.CONFIDENCE_EXPLORING_THRESHOLD
        score = rng.uniform(guided, 0.97) if tier == ConfidenceTier.GUIDED else rng.uniform(exploring, guided)
    else:
        tier, score = ConfidenceTier.DISCOVERY, None
    steps, escaped, resolution_node = _walk(rng, flow, text, session_id, created, duration)
    _pad(rng, steps, session_id, created, duration, STEPS_TARGET.get("steps"))
    closed = created + duration if status != "active" else None
    tree = flow["tree"] if flow else None
    return {
        "id": session_id,
        "account_id": tenant["account"].pk,
        "team_id": tenant["team"].pk,
        "engineer_id": rng.choice(tenant["engineers"]).pk,
        "intake_content": json.dumps({"text": text, "client_name": "", "device": "", "ticket_id": ""}),
        "problem_summary": text[:120],
        "problem_domain": tree.problem_domain
        if tree
        else rng.choice(["windows", "m365", "networking", "hardware", "other", None]),
        "status": status,
        "mode": SessionMode.GUIDED if tree and tier == ConfidenceTier.GUIDED else SessionMode.CAPTURE,
        "confidence_tier": tier,
        "matched_flow_id": tree.pk if tree else None,
        "matched_flow_version": tree.version if tree else None,
        "match_score": score,
        "candidate_matches": json.dumps([{"flow_id": str(tree.pk), "name": tree.name, "score": score}] if tree else []),
        "current_node_id": "",
        "left_flow_node_id": escaped or "",
        "left_flow_reason": "free_text" if escaped else "",
        "conversation_messages": "[]",
        "resolution_summary": "Resolved" if status == "resolved" else "",
        "resolution_node_id": resolution_node if status == "resolved" and not escaped else "",
        "documentation": "",
        "rating": rng.choice([None, None, 3, 4, 5, 5]) if status == "resolved" else None,
        "feedback": "",
        "escalation_reason": "Needs second line" if status == "escalated" else "",
        "handoff_summary": "",
        "abandon_reason": "",
        "outcome_recorded": status != "active",
        "created_at": created,
        "updated_at": closed or created,
        "resolved_at": closed if status == "resolved" else None,
        "escalated_at": closed if status == "escalated" else None,
        "abandoned_at": closed if status == "abandoned" else None,
        "analysis_status": "completed" if status == "resolved" else None,
        "answered_step_count": len(steps),
    }, steps


STEPS_TARGET = {"steps": None}  # set by generate(steps_per_session=...)
PAD_CHECKS = [
    ("Checked the event log", "Nothing relevant"),
    ("Asked the user to reproduce", "Reproduced"),
    ("Checked recent changes", "None in the window"),
    ("Rebooted the device", "No change"),
]


def _pad(rng, steps, session_id, created, duration, target):
    """More capture steps (after the walk) until the session has about `target` steps, like a long ticket."""
    if not target:
        return
    wanted = max(1, int(rng.gauss(target, 2)))
    at = created + duration / 2
    while len(steps) < wanted:
        did, found = rng.choice(PAD_CHECKS)
        steps.append(
            _step(
                session_id,
                len(steps) + 1,
                "capture",
                {"text": "What did you check or do?"},
                None,
                "",
                free_text=did,
                result=found,
                at=at,
            )
        )


def _walk(rng, flow, text, session_id, created, duration):
    """Steps down a random path of the flow (sometimes escaping), or capture steps for an uncovered problem."""
    steps = []
    escaped = None
    resolution = ""
    at = created
    gap = duration / 8
    if flow is None:
        notes = CAPTURE_NOTES.get(text) or [("Checked the event log", "Found the cause")]
        for order, (did, found) in enumerate(notes, 1):
            at += gap
            steps.append(
                _step(
                    session_id,
                    order,
                    "capture",
                    {"text": "What did you check or do?"},
                    None,
                    "",
                    free_text=did,
                    result=found,
                    at=at,
                )
            )
        return steps, None, ""
    node = flow["tree"].tree_structure
    order = 0
    while node is not None and order < 10:
        order += 1
        at += gap
        kind = node["type"]
        children = node.get("children", [])
        if kind == "question":
            if rng.random() < 0.08:
                steps.append(
                    _step(
                        session_id,
                        order,
                        "question",
                        {"text": node["question"]},
                        flow["tree"].pk,
                        node["id"],
                        free_text=rng.choice(ESCAPES),
                        escape=True,
                        at=at,
                    )
                )
                escaped = node["id"]
                break
            child = rng.choice(children)
            steps.append(
                _step(
                    session_id,
                    order,
                    "question",
                    {"text": node["question"], "options": [c["label"] for c in children]},
                    flow["tree"].pk,
                    node["id"],
                    option=child["label"],
                    at=at,
                )
            )
            node = child
        elif kind == "action":
            steps.append(
                _step(
                    session_id,
                    order,
                    "action",
                    {"text": node["instructions"]},
                    flow["tree"].pk,
                    node["id"],
                    result="Worked",
                    at=at,
                )
            )
            node = children[0] if children else None
        else:
            steps.append(
                _step(
                    session_id,
                    order,
                    "solution",
                    {"text": node["resolution"]},
                    flow["tree"].pk,
                    node["id"],
                    result="Resolved the issue",
                    at=at,
                )
            )
            resolution = node["id"]
            node = None
    return steps, escaped, resolution


def _step(
    session_id, order, kind, content, flow_id, node_id, *, option="", free_text="", result="", escape=False, at=None
):
    return {
        "session_id": session_id,
        "order": order,
        "step_type": kind,
        "content": json.dumps({"options": [], "source": "flow" if flow_id else "capture", **content}),
        "flow_id": flow_id,
        "flow_node_id": node_id,
        "selected_option": option,
        "free_text_input": free_text,
        "was_free_text": escape,
        "action_result": result,
        "notes": "[]",
        "answered_at": at,
        "created_at": at,
    }


def _cell(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _drop_indexes() -> list[str]:
    """Drop the sessions' and steps' secondary indexes (primary keys and unique constraints stay)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename IN ('flowpilot_aisession', 'flowpilot_aisessionstep')
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [definition for _, definition in indexes]


def _restore_indexes(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)
