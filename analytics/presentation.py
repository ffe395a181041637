"""The dashboard's figures made readable: metric cards with their trend, gap evidence, coverage rules.

Pure functions over analytics.metrics / analytics.gaps output (no request, no ORM): the page shows exactly
the API's numbers, formatted here. Every rate is shown with one decimal (the seed's "toFixed" fix).
"""

from django.conf import settings

from analytics.services import CREATES_FLOWS
from knowledge.matching import ConfidenceTier

EXAMPLES = 3  # example sessions linked per gap card

GAP_TYPES = {
    "weak_options": "Weak options",
    "high_escalation": "High escalation",
    "uncharted_territory": "Uncharted territory",
    "repeated_pattern": "Repeated pattern",
}

# Evidence numbers worth a label, in the order they read best; `rate` ones are fractions (0..1).
EVIDENCE_FIGURES = [
    ("shown", "Times shown", "count"),
    ("escapes", "Free-text answers", "count"),
    ("escape_rate", "Escape rate", "rate"),
    ("closed", "Closed sessions", "count"),
    ("escalated", "Escalated", "count"),
    ("escalation_rate", "Escalation rate", "rate"),
    ("sessions", "Sessions", "count"),
    ("keyword", "Keyword", "text"),
]
# Shown elsewhere on the card (links, lists) or repeating another figure.
EVIDENCE_SHOWN_OTHERWISE = {
    "flow_id",
    "flow_name",
    "node_id",
    "common_answers",
    "example_session_ids",
    "representative_session_id",
    "question",
}


def one_decimal(value) -> str:
    return f"{float(value):.1f}"


def rate(value) -> str:
    """A value already in percent: 77.6316 → "77.6 %"; None → "—" (the rf `pct` filter's format)."""
    return "—" if value is None else f"{one_decimal(value)} %"


def minutes(value) -> str:
    return "—" if value is None else f"{one_decimal(value)} min"


# ── Metric cards ─────────────────────────────────────────────────────────────────────────────────────


def _trend(current, previous, *, unit: str, better: str | None, digits: int = 1) -> dict:
    """The arrow against the previous period: direction, a signed change, and whether it is good news."""
    if current is None or previous is None:
        return {"direction": "none", "text": "", "tone": "neutral"}
    change = round(float(current) - float(previous), digits)
    if change == 0:
        return {"direction": "flat", "text": "no change", "tone": "neutral"}
    direction = "up" if change > 0 else "down"
    amount = f"{abs(change):.{digits}f}" if digits else f"{abs(int(change)):,}"
    tone = "neutral" if better is None else ("good" if direction == better else "bad")
    return {"direction": direction, "text": f"{'+' if change > 0 else '−'}{amount}{unit}", "tone": tone}


def _picked_up(board: dict) -> str:
    """How many escalations were picked up, and their mean wait: "3 picked up, 12 min to pick up"."""
    picked = board.get("escalations_picked_up") or 0
    if not picked:
        return "none picked up"
    return f"{picked:,} picked up, {minutes(board.get('avg_time_to_pickup_minutes'))} to pick up"


def metric_cards(board: dict) -> list[dict]:
    """The five headline cards: value, trend against `board["previous"]`, and a detail line."""
    previous = board["previous"]
    psa = board["psa_metrics"] or {}
    steps = board["avg_steps_to_resolution"]
    return [
        {
            "key": "total_sessions",
            "label": "Sessions",
            "value": f"{board['total_sessions']:,}",
            "trend": _trend(board["total_sessions"], previous["total_sessions"], unit="", better=None, digits=0),
            "previous": f"{previous['total_sessions']:,}",
            "detail": f"{board['resolved_sessions']:,} resolved · {board['escalated_sessions']:,} escalated "
            f"({_picked_up(board)}) · {board['abandoned_sessions']:,} abandoned",
        },
        {
            "key": "resolution_rate",
            "label": "Resolution rate",
            "value": rate(board["resolution_rate"]),
            "trend": _trend(board["resolution_rate"], previous["resolution_rate"], unit=" pts", better="up"),
            "previous": rate(previous["resolution_rate"]),
            "detail": "of closed sessions were resolved",
        },
        {
            "key": "mttr_minutes",
            "label": "Mean time to resolution",
            "value": minutes(board["mttr_minutes"]),
            "trend": _trend(board["mttr_minutes"], previous["mttr_minutes"], unit=" min", better="down"),
            "previous": minutes(previous["mttr_minutes"]),
            "detail": f"{one_decimal(steps)} steps per resolution on average" if steps is not None else "",
        },
        {
            "key": "avg_rating",
            "label": "Average rating",
            "value": "—" if board["avg_rating"] is None else one_decimal(board["avg_rating"]),
            "rating": board["avg_rating"],
            "trend": _trend(board["avg_rating"], previous["avg_rating"], unit="", better="up"),
            "previous": "—" if previous["avg_rating"] is None else one_decimal(previous["avg_rating"]),
            "detail": "out of 5, from engineers' ratings",
        },
        {
            "key": "ticket_link_rate",
            "label": "PSA ticket link rate",
            "value": rate(psa.get("ticket_link_rate")),
            "trend": _trend(psa.get("ticket_link_rate"), previous["ticket_link_rate"], unit=" pts", better="up"),
            "previous": rate(previous["ticket_link_rate"]),
            "detail": "of sessions linked to a verified PSA ticket",
        },
    ]


def psa_figures(board: dict) -> list[dict]:
    """The PSA section: each figure now and the period before (board["previous"]["psa_metrics"])."""
    psa = board["psa_metrics"] or {}
    before = (board["previous"] or {}).get("psa_metrics") or {}

    def hours(value):
        return "—" if value is None else f"{one_decimal(value)} h"

    def count(value):
        return "—" if value is None else f"{value:,}"

    rows = [
        ("ticket_link_rate", "Verified ticket links", rate, "up", " pts", 1),
        ("unverified_link_rate", "Unverified ticket links", rate, "down", " pts", 1),
        ("auto_push_success_rate", "Pushed at the first attempt", rate, "up", " pts", 1),
        ("auto_push_retry_success_rate", "Pushed after a retry", rate, None, " pts", 1),
        ("total_time_entries_logged", "Time entries logged", count, None, "", 0),
        ("total_hours_logged", "Hours logged", hours, None, " h", 1),
    ]
    return [
        {
            "key": key,
            "label": label,
            "value": shown(psa.get(key)),
            "previous": shown(before.get(key)),
            "trend": _trend(psa.get(key), before.get(key), unit=unit, better=better, digits=digits),
        }
        for key, label, shown, better, unit, digits in rows
    ]


def tiers(board: dict) -> list[dict]:
    """The confidence donut's legend: each tier's sessions and resolution rate."""
    confidence = board["confidence_breakdown"]
    return [
        {
            "key": tier,
            "label": tier.capitalize(),
            "sessions": confidence[f"{tier}_sessions"],
            "resolution_rate": confidence[f"{tier}_resolution_rate"],
        }
        for tier in ConfidenceTier.values
    ]


# ── Knowledge gaps ───────────────────────────────────────────────────────────────────────────────────


def gap_cards(gaps: list[dict], sessions: dict) -> list[dict]:
    """Each gap with what its card shows; `sessions` maps example session ids to {"summary", "created_at"}."""
    return [_gap_card(gap, sessions) for gap in gaps]


def _gap_card(gap: dict, sessions: dict) -> dict:
    evidence = gap.get("evidence") or {}
    ids = [str(i) for i in evidence.get("example_session_ids") or []]
    gap_type = gap.get("gap_type") or ""
    return {
        **gap,
        "type_label": GAP_TYPES.get(gap_type, gap_type.replace("_", " ").capitalize() or "Gap"),
        "figures": evidence_figures(evidence),
        "flow": {"id": evidence["flow_id"], "name": evidence.get("flow_name") or "the flow"}
        if evidence.get("flow_id")
        else None,
        "question": evidence.get("question", ""),
        "common_answers": evidence.get("common_answers") or [],
        "examples": [{"id": i, **sessions[i]} for i in ids if i in sessions][:EXAMPLES],
        "creates_flow": gap.get("severity") == "high" and gap_type in CREATES_FLOWS,
        "shows_escalations": gap_type == "high_escalation",
        "has_proposals": gap_type in ("uncharted_territory", "repeated_pattern"),
    }


def evidence_figures(evidence: dict) -> list[dict]:
    """The evidence's numbers as labelled figures; unknown scalar keys are shown too, never dropped."""
    figures = []
    known = {key for key, _, _ in EVIDENCE_FIGURES}
    for key, label, kind in EVIDENCE_FIGURES:
        if key not in evidence or evidence[key] is None:
            continue
        if key == "sessions" and ("escapes" in evidence or "escalated" in evidence):
            continue  # the same number as the escapes / escalations
        value = evidence[key]
        text = rate(100.0 * float(value)) if kind == "rate" else f"{value:,}" if kind == "count" else str(value)
        figures.append({"label": label, "value": text})
    for key, value in evidence.items():
        if key in known or key in EVIDENCE_SHOWN_OTHERWISE or not isinstance(value, int | float | str):
            continue
        figures.append({"label": key.replace("_", " ").capitalize(), "value": str(value)})
    return figures


def example_session_ids(gaps: list[dict]) -> set[str]:
    return {str(i) for gap in gaps for i in (gap.get("evidence") or {}).get("example_session_ids") or []}


# ── Coverage ─────────────────────────────────────────────────────────────────────────────────────────


def coverage_rules() -> dict:
    """The heatmap's legend, from the settings analytics.metrics.coverage_colour reads."""
    return {
        "green_rate": f"{settings.COVERAGE_GREEN_GUIDED_RATE:g} %",
        "green_flows": settings.COVERAGE_GREEN_MIN_FLOWS,
        "red_rate": f"{settings.COVERAGE_RED_GUIDED_RATE:g} %",
    }
