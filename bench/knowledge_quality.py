"""What the flywheel learns, on a labelled set of realistic MSP sessions (bench/data/knowledge_sessions.json).

    .venv/bin/python bench/knowledge_quality.py

Each session (capture paths, and escapes from a starter flow) carries planted client specifics, secrets and
look-alikes from the "must stay verbatim" list. It goes through the engine as an engineer types it (intake,
findings, a note, the resolution), is resolved and analysed by the rules (no LLM), and we score per split
(`tune`, and `held_out`, never looked at while tuning):

- secrets in any derived text (the stored session, its documentation and transcript, the proposal): 0
- look-alikes wrongly hidden: ≤ 2 %
- planted specifics generalised (absent from the proposal): ≥ 95 %
- titles within 80 characters, without an ellipsis: 100 %
- action instructions (rules-built, from the engineer's words) starting with a verb: ≥ 95 %
- proposals valid (the tree validator): 100 %

Speed: the detector's p95 per answer of up to 2 KB (≤ 2 ms), and rules + generalisation per analysed
session (≤ 20 ms). Each figure is a `RESULT` line for `make bench`.
"""

import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup_django import setup

DATA = Path(__file__).resolve().parent / "data" / "knowledge_sessions.json"
SPLITS = ("tune", "held_out")
TARGETS = {
    "secrets_leaked": "<=0",
    "look_alikes_hidden_pct": "<=2",
    "specifics_generalised_pct": ">=95",
    "titles_ok_pct": ">=100",
    "instructions_with_verb_pct": ">=95",
    "proposals_valid_pct": ">=100",
}


def fresh_engineer():
    from knowledge.starter import import_starter_library
    from resolutionflow.models import Account, Role, Team, User

    Account.objects.filter(slug="bench-knowledge").delete()
    account = Account.objects.create(name="Bench Knowledge", slug="bench-knowledge")
    team = Team.objects.create(account=account, name="Service Desk")
    import_starter_library(account)
    return User.objects.create_user(
        email="eng@bench-knowledge.test", password=None, account=account, team=team, role=Role.ENGINEER
    )


def run(engineer, case):
    """The session as an engineer types it, resolved; returns the session after analysis and its proposal."""
    from flowpilot import engine
    from flowpilot.analysis_queue import analyze
    from flowpilot.models import AISession

    escape = case["mode"] == "escape"
    session = engine.start_session(
        engineer,
        case["intake"],
        client_name=case["client_name"],
        device=case["device"],
        prefer_capture=not escape,
    )
    steps = list(case["steps"])
    if escape and session.mode == "guided":
        did, _ = steps.pop(0)
        session = engine.answer_step(session, free_text=did)
    if case.get("note"):
        session = engine.answer_step(session, note=case["note"])
    for did, found in steps:
        session = engine.answer_step(session, free_text=did, result=found or None)
    engine.resolve_session(session, resolution_summary=case["resolution"])
    session = AISession.objects.select_related("matched_flow", "engineer").get(pk=session.pk)
    return session, analyze(session).proposal


def flat(value) -> str:
    """Every string inside a JSON value, one a line (searched as typed: no JSON escaping)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(flat(v) for v in value.values())
    if isinstance(value, list | tuple):
        return "\n".join(flat(v) for v in value)
    return ""


def stored_texts(session) -> str:
    steps = [[s.free_text_input, s.action_result, s.notes, s.content] for s in session.steps.all()]
    return flat(
        [
            session.intake_content,
            session.resolution_summary,
            session.documentation,
            session.feedback,
            session.handoff_summary,
            session.conversation_messages,
            steps,
        ]
    )


def typed_texts(session) -> str:
    """What the engineer typed, as stored: where a look-alike must still be, verbatim."""
    steps = [[s.free_text_input, s.action_result, s.notes] for s in session.steps.all()]
    return flat([session.intake_content, session.resolution_summary, steps])


def proposal_texts(proposal) -> str:
    if proposal is None:
        return ""
    return flat([proposal.title, proposal.description, proposal.proposed_flow_data, proposal.proposed_diff])


def built_actions(proposal) -> list[str]:
    """Action instructions the rules wrote from the engineer's words (an enhancement: its new nodes only)."""
    from knowledge.tree_format import iter_nodes

    if proposal is None:
        return []
    tree = proposal.proposed_flow_data["tree_structure"]
    flow = proposal.target_flow.tree_structure if proposal.target_flow else {}
    existing = {ref.node.get("id") for ref in iter_nodes(flow)} if flow else set()
    return [
        ref.node["instructions"]
        for ref in iter_nodes(tree)
        if ref.node.get("type") == "action" and ref.node.get("id") not in existing
    ]


def is_valid(proposal) -> bool:
    from knowledge.errors import InvalidTree
    from knowledge.tree_format import validate_tree

    if proposal is None:
        return False
    data = proposal.proposed_flow_data
    try:
        validate_tree(data["tree_type"], data["tree_structure"])
    except InvalidTree:
        return False
    return True


def score(cases, outcomes) -> dict:
    from knowledge.flywheel.generalise import TITLE_LIMIT
    from knowledge.flywheel.wording import starts_with_verb

    counts = defaultdict(int)
    misses = defaultdict(list)
    for case, (session, proposal) in zip(cases, outcomes, strict=True):
        derived = stored_texts(session) + proposal_texts(proposal)
        for secret in case["secrets"]:
            counts["secrets"] += 1
            if secret in derived:
                counts["secrets_leaked"] += 1
                misses["secret"].append((case["id"], secret))
        typed = typed_texts(session)
        for look in case["look_alikes"]:
            counts["look_alikes"] += 1
            if look not in typed:
                counts["look_alikes_hidden"] += 1
                misses["look-alike hidden"].append((case["id"], look))
        proposed = proposal_texts(proposal)
        for specific in case["specifics"]:
            counts["specifics"] += 1
            if specific not in proposed:
                counts["specifics_generalised"] += 1
            else:
                misses["specific kept"].append((case["id"], specific))
        counts["proposals"] += 1
        if is_valid(proposal):
            counts["proposals_valid"] += 1
        if proposal is not None:
            title = proposal.title
            if len(title) <= TITLE_LIMIT and "…" not in title and "..." not in title:
                counts["titles_ok"] += 1
            else:
                misses["title"].append((case["id"], title))
            counts["titles"] += 1
        for instruction in built_actions(proposal):
            counts["instructions"] += 1
            if starts_with_verb(instruction):
                counts["instructions_with_verb"] += 1
            else:
                misses["instruction"].append((case["id"], instruction))

    def pct(part, whole):
        return round(100.0 * counts[part] / counts[whole], 1) if counts[whole] else 100.0

    figures = {
        "secrets_leaked": counts["secrets_leaked"],
        "look_alikes_hidden_pct": pct("look_alikes_hidden", "look_alikes"),
        "specifics_generalised_pct": pct("specifics_generalised", "specifics"),
        "titles_ok_pct": pct("titles_ok", "proposals"),
        "instructions_with_verb_pct": pct("instructions_with_verb", "instructions"),
        "proposals_valid_pct": pct("proposals_valid", "proposals"),
    }
    return {"figures": figures, "counts": dict(counts), "misses": dict(misses)}


def redaction_speed(cases) -> float:
    """p95 ms of `redact` per answer: every text typed in the set, and answers padded to 2 KB with them."""
    from resolutionflow.redaction import redact

    texts = [t for c in cases for t in [c["intake"], c["resolution"], c.get("note") or ""] + sum(c["steps"], []) if t]
    joined = " ".join(texts)
    texts += [joined[i : i + 2048] for i in range(0, len(joined) - 2048, 1024)]
    for text in texts:  # warm the regex caches
        redact(text)
    timings = []
    for _ in range(5):
        for text in texts:
            started = time.perf_counter()
            redact(text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95)]
    longest = max(len(t) for t in texts)
    print(f"redaction: {len(texts)} answers (up to {longest:,} characters), p50 {statistics.median(timings):.3f} ms, ")
    print(f"  p95 {p95:.3f} ms, max {timings[-1]:.2f} ms")
    return p95


def main() -> int:
    setup("resolutionflow_bench_knowledge")
    from flowpilot.analysis_queue import session_facts
    from flowpilot.models import AISession
    from knowledge.flywheel import analysis

    cases = json.loads(DATA.read_text())
    engineer = fresh_engineer()
    outcomes = [run(engineer, case) for case in cases]
    print(f"{len(cases)} sessions: " + ", ".join(f"{s} {sum(c['split'] == s for c in cases)}" for s in SPLITS))

    for split in SPLITS:
        chosen = [(c, o) for c, o in zip(cases, outcomes, strict=True) if c["split"] == split]
        result = score([c for c, _ in chosen], [o for _, o in chosen])
        print(f"\n[{split}] counts: {result['counts']}")
        for kind, items in result["misses"].items():
            print(f"  {kind}: {items[:6]}")
        for metric, value in result["figures"].items():
            print(f"RESULT knowledge_quality_{split} {metric}={value} target={TARGETS[metric]}")

    p95 = redaction_speed(cases)
    print(f"RESULT redaction_speed ms={p95:.3f} target=<=2")

    timings = []
    for session, _ in outcomes:
        session = AISession.objects.select_related("matched_flow", "engineer", "account").get(pk=session.pk)
        facts = session_facts(session, list(session.steps.order_by("order")))
        started = time.perf_counter()
        analysis.plan_session(facts, list(facts.steps), {})
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    per_session = timings[int(len(timings) * 0.95)]
    print(
        f"rules + generalisation per analysed session: mean {statistics.mean(timings):.2f} ms, p95 {per_session:.2f} ms"
    )
    print(f"RESULT generalisation_speed ms={per_session:.2f} target=<=20")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
