"""Knowledge gaps: where the knowledge is thin, from the last GAPS_LOOKBACK_DAYS of sessions.

Four signals (the seed's Task 7), each a KnowledgeGap {id, gap_type, domain, severity, title, description,
evidence (plain JSON numbers and example session ids), suggested_action}. Severity rules:
- weak_options (a flow question, or an LLM question by normalised text, whose free-text escape rate is
  ≥ WEAK_OPTIONS_ESCAPE_RATE with ≥ WEAK_OPTIONS_MIN_SHOWINGS showings): high at ≥ 50 % over ≥ 10 showings,
  medium at ≥ 35 %, else low;
- high_escalation (a domain escalating > HIGH_ESCALATION_RATE of ≥ HIGH_ESCALATION_MIN_SESSIONS closed
  sessions): high at ≥ 60 %, medium at ≥ 50 %, else low;
- uncharted_territory (resolved discovery sessions of a domain, ≥ 2): high at ≥ 10, medium at ≥ 5, else low;
- repeated_pattern (unmatched intakes clustered by embedding similarity ≥ REPEATED_PATTERN_SIMILARITY, at
  least REPEATED_PATTERN_MIN_SESSIONS in a group): high at ≥ 10, medium at ≥ 5, else low. At most the
  REPEATED_PATTERN_MAX_SESSIONS most recent intakes are clustered; without embeddings, keyword frequency.
The report is cached per account for GAPS_CACHE_SECONDS; `refresh=True` recomputes it.
"""

import math
import re
from collections import Counter
from datetime import timedelta

import numpy as np
import psycopg
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone
from pgvector.psycopg import register_vector

from flowpilot.models import AISession, AISessionStep, FlowNodeDay, SessionDay
from knowledge.matching import ConfidenceTier
from knowledge.models import Tree
from resolutionflow.ai.embeddings import dimensions_of, get_embedder

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def report(account, *, refresh: bool = False) -> dict:
    key = f"knowledge-gaps:{account.pk}"
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    since = timezone.now() - timedelta(days=settings.GAPS_LOOKBACK_DAYS)
    gaps = [
        *weak_options(account, since),
        *high_escalation(account, since),
        *uncharted_territory(account, since),
        *repeated_patterns(account, since),
    ]
    gaps.sort(key=lambda g: (SEVERITY_ORDER.get(g["severity"], 3), -g["evidence"].get("sessions", 0)))
    result = {"generated_at": timezone.now().isoformat(), "gaps": gaps}
    cache.set(key, result, settings.GAPS_CACHE_SECONDS)
    return result


def severity_by_domain(gaps: list[dict]) -> dict:
    """The worst open severity per domain (the coverage heatmap's gap column)."""
    worst = {}
    for gap in gaps:
        domain = gap["domain"] or "unknown"
        if domain not in worst or SEVERITY_ORDER.get(gap["severity"], 3) < SEVERITY_ORDER.get(worst[domain], 3):
            worst[domain] = gap["severity"]
    return worst


def _gap(gap_type, key, domain, severity, title, description, evidence, action) -> dict:
    return {
        "id": f"{gap_type}:{key}",
        "gap_type": gap_type,
        "domain": domain,
        "severity": severity,
        "title": title,
        "description": description,
        "evidence": evidence,
        "suggested_action": action,
    }


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _examples(ids, n=5) -> list[str]:
    return [str(i) for i in list(ids)[:n]]


# ── 1. weak options ────────────────────────────────────────────────────────────────────────────────


def weak_options(account, since) -> list[dict]:
    # Showings and escapes per flow question come from the FlowNodeDay rollup, not from millions of steps.
    steps = AISessionStep.objects.filter(step_type="question", created_at__gte=since, answered_at__isnull=False)
    flow_rows = (
        FlowNodeDay.objects.filter(flow__account=account, day__gte=since.date())
        .values("flow_id", "node_id")
        .annotate(shown=Sum("shown"), escapes=Sum("escapes"))
        .filter(shown__gte=settings.WEAK_OPTIONS_MIN_SHOWINGS)
    )
    flagged = [
        {**row, "flow_node_id": row["node_id"]}
        for row in flow_rows
        if row["escapes"] / row["shown"] >= settings.WEAK_OPTIONS_ESCAPE_RATE
    ]
    flows = Tree.objects.in_bulk({r["flow_id"] for r in flagged})
    gaps = []
    for row in flagged:
        flow = flows.get(row["flow_id"])
        if flow is None:
            continue
        escaped = steps.filter(flow_id=row["flow_id"], flow_node_id=row["flow_node_id"], was_free_text=True)
        answers = Counter(_norm(t) for t in escaped.values_list("free_text_input", flat=True)[:500])
        sessions = list(escaped.values_list("session_id", flat=True)[:5])
        node_text = _node_question(flow, row["flow_node_id"])
        rate = row["escapes"] / row["shown"]
        gaps.append(
            _gap(
                "weak_options",
                f"{flow.pk}:{row['flow_node_id']}",
                flow.problem_domain,
                _weak_severity(rate, row["shown"]),
                f"Engineers bypass the options of “{_clip(node_text)}”",
                f"In “{flow.name}”, {row['escapes']} of {row['shown']} answers ({rate:.1%}) were free text instead of "
                "an offered option.",
                {
                    "flow_id": str(flow.pk),
                    "flow_name": flow.name,
                    "node_id": row["flow_node_id"],
                    "shown": int(row["shown"]),
                    "escapes": int(row["escapes"]),
                    "escape_rate": round(rate, 4),
                    "common_answers": [{"text": t, "count": int(c)} for t, c in answers.most_common(3)],
                    "sessions": int(row["escapes"]),
                    "example_session_ids": _examples(sessions),
                },
                "Add the common free-text answers as options of this question.",
            )
        )
    llm_rows = (
        steps.filter(flow_id=None, session__account=account, content__source="llm")
        .values("content__text")
        .annotate(shown=Count("id"), escapes=Count("id", filter=Q(was_free_text=True)))
        .filter(shown__gte=settings.WEAK_OPTIONS_MIN_SHOWINGS)
    )
    grouped = Counter()
    escapes = Counter()
    for row in llm_rows:
        key = _norm(row["content__text"])
        grouped[key] += row["shown"]
        escapes[key] += row["escapes"]
    for text, shown in grouped.items():
        rate = escapes[text] / shown
        if rate >= settings.WEAK_OPTIONS_ESCAPE_RATE:
            gaps.append(
                _gap(
                    "weak_options",
                    f"llm:{abs(hash(text)) % 10**10}",
                    None,
                    _weak_severity(rate, shown),
                    f"FlowPilot's options for “{_clip(text)}” miss the answer",
                    f"{escapes[text]} of {shown} answers ({rate:.1%}) were free text.",
                    {
                        "question": text,
                        "shown": int(shown),
                        "escapes": int(escapes[text]),
                        "escape_rate": round(rate, 4),
                        "sessions": int(escapes[text]),
                        "example_session_ids": [],
                    },
                    "Write a flow for this question with the answers engineers give.",
                )
            )
    return gaps


# ── severities: the GAP_SEVERITY_* settings, read here only ────────────────────────────────────────


def _severity(value, high, medium) -> str:
    return "high" if value >= high else "medium" if value >= medium else "low"


def _weak_severity(rate, shown) -> str:
    """An escape rate is high only over enough showings: a few answers prove little."""
    enough = shown >= settings.GAP_SEVERITY_HIGH_ESCAPE_SHOWINGS
    high = settings.GAP_SEVERITY_HIGH_ESCAPE_RATE if enough else math.inf
    return _severity(rate, high, settings.GAP_SEVERITY_MEDIUM_ESCAPE_RATE)


def _escalation_severity(rate) -> str:
    return _severity(rate, settings.GAP_SEVERITY_HIGH_ESCALATION_RATE, settings.GAP_SEVERITY_MEDIUM_ESCALATION_RATE)


def _sessions_severity(sessions) -> str:
    """For gaps measured in sessions (uncharted territory, repeated patterns)."""
    return _severity(sessions, settings.GAP_SEVERITY_HIGH_SESSIONS, settings.GAP_SEVERITY_MEDIUM_SESSIONS)


def _node_question(flow, node_id) -> str:
    from knowledge.tree_format import TROUBLESHOOTING, find_node, node_text

    ref = find_node(flow.tree_structure, node_id) if flow.tree_type == TROUBLESHOOTING else None
    return node_text(ref.node) if ref else node_id


_SPACE = re.compile(r"\s+")


def _norm(text) -> str:
    return _SPACE.sub(" ", str(text or "").strip().casefold()).rstrip(" ?.!")


# ── 2. high escalation ─────────────────────────────────────────────────────────────────────────────


def high_escalation(account, since) -> list[dict]:
    days = SessionDay.objects.filter(account=account, day__gte=since.date())
    rows = (
        days.values("problem_domain")
        .annotate(closed_sessions=Sum("closed"), escalated_=Sum("escalated"))
        .filter(closed_sessions__gte=settings.HIGH_ESCALATION_MIN_SESSIONS)
    )
    gaps = []
    for row in rows:
        rate = row["escalated_"] / row["closed_sessions"]
        if rate <= settings.HIGH_ESCALATION_RATE:
            continue
        domain = row["problem_domain"]
        examples = (
            AISession.objects.for_account(account)
            .filter(Q(status="escalated") | Q(escalated_at__isnull=False), created_at__gte=since, problem_domain=domain)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:5]
        )
        severity = _escalation_severity(rate)
        label = domain or "unknown"
        gaps.append(
            _gap(
                "high_escalation",
                label,
                domain,
                severity,
                f"{label.replace('_', ' ').capitalize()} problems escalate {rate:.1%} of the time",
                f"{row['escalated_']} of {row['closed_sessions']} closed sessions in this domain were escalated.",
                {
                    "closed": int(row["closed_sessions"]),
                    "escalated": int(row["escalated_"]),
                    "escalation_rate": round(rate, 4),
                    "sessions": int(row["escalated_"]),
                    "example_session_ids": _examples(examples),
                },
                "Read the escalation hand-offs and capture what second line did as flows.",
            )
        )
    return gaps


# ── 3. uncharted territory ─────────────────────────────────────────────────────────────────────────


def uncharted_territory(account, since) -> list[dict]:
    rows = (
        SessionDay.objects.filter(account=account, day__gte=since.date(), confidence_tier=ConfidenceTier.DISCOVERY)
        .values("problem_domain")
        .annotate(n=Sum("resolved"))
        .filter(n__gte=2)
        .order_by("-n", "problem_domain")
    )
    # One query for the examples of every domain: the 1,000 most recent, the most complete first per domain.
    recent = (
        AISession.objects.for_account(account)
        .filter(created_at__gte=since, status="resolved", confidence_tier=ConfidenceTier.DISCOVERY)
        .order_by("-created_at")
        .values_list("pk", "problem_domain", "answered_step_count")[:1000]
    )
    by_domain: dict = {}
    for pk, domain, steps in recent:
        by_domain.setdefault(domain, []).append((steps, pk))
    gaps = []
    for row in rows:
        domain = row["problem_domain"]
        examples = [pk for _, pk in sorted(by_domain.get(domain, []), key=lambda r: -r[0])]
        severity = _sessions_severity(row["n"])
        label = domain or "unknown"
        gaps.append(
            _gap(
                "uncharted_territory",
                label,
                domain,
                severity,
                f"{row['n']} {label.replace('_', ' ')} problems solved with no flow",
                "Engineers resolved these without a matching flow: each is knowledge worth capturing.",
                {"sessions": int(row["n"]), "example_session_ids": _examples(examples)},
                "Review the flywheel's proposals for this domain, or create a flow from the most complete session.",
            )
        )
    return gaps


# ── 4. repeated patterns ───────────────────────────────────────────────────────────────────────────


def repeated_patterns(account, since) -> list[dict]:
    model = get_embedder().model_name
    dims = dimensions_of(model)
    connection.ensure_connection()
    raw = connection.connection
    register_vector(raw)  # vectors arrive in binary as numpy arrays: no float formatting or parsing
    with psycopg.Cursor(raw) as cursor:  # Django's cursors bind client-side, which cannot return binary
        cursor.execute(
            f"""
            SELECT id, problem_summary, problem_domain, subvector(intake_embedding, 1, {dims})
            FROM flowpilot_aisession
            WHERE account_id = %s AND created_at >= %s AND confidence_tier = %s
              AND intake_embedding IS NOT NULL AND intake_embedding_model = %s
            ORDER BY created_at DESC LIMIT %s
            """,
            [account.pk, since, ConfidenceTier.DISCOVERY.value, model, settings.REPEATED_PATTERN_MAX_SESSIONS],
            binary=True,
        )
        rows = cursor.fetchall()
    if not rows:
        return _keyword_patterns(account, since)
    vectors = np.stack([np.asarray(r[3].to_numpy(), dtype=np.float32) for r in rows])
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    clusters = _leader_clusters(vectors, settings.REPEATED_PATTERN_SIMILARITY)
    gaps = []
    for members in clusters:
        if len(members) < settings.REPEATED_PATTERN_MIN_SESSIONS:
            continue
        centre = vectors[members].mean(axis=0)
        representative = members[int(np.argmax(vectors[members] @ centre))]
        summary = rows[representative][1] or "Similar problems"
        domains = Counter(rows[i][2] for i in members)
        domain = domains.most_common(1)[0][0]
        size = len(members)
        severity = _sessions_severity(size)
        gaps.append(
            _gap(
                "repeated_pattern",
                str(rows[representative][0]),
                domain,
                severity,
                f"{size} similar problems with no flow: “{_clip(summary)}”",
                "Engineers keep meeting this problem and no flow matches it.",
                {
                    "sessions": size,
                    "example_session_ids": _examples(rows[i][0] for i in members),
                    "representative_session_id": str(rows[representative][0]),
                },
                "Create a flow from the most complete of these sessions.",
            )
        )
    return gaps


def _leader_clusters(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Greedy clustering: each vector joins the first cluster whose leader it is close to, or leads a new one."""
    leaders: list[int] = []
    members: list[list[int]] = []
    for index in range(len(vectors)):
        if leaders:
            similarities = vectors[leaders] @ vectors[index]
            best = int(np.argmax(similarities))
            if similarities[best] >= threshold:
                members[best].append(index)
                continue
        leaders.append(index)
        members.append([index])
    return members


_WORD = re.compile(r"[a-z0-9][a-z0-9\-]{3,}")
_STOP = {
    "with",
    "from",
    "that",
    "this",
    "user",
    "users",
    "when",
    "after",
    "their",
    "they",
    "again",
    "cannot",
    "can't",
    "does",
    "doesn't",
    "have",
    "since",
    "says",
    "there",
    "into",
    "some",
    "every",
}


def _keyword_patterns(account, since) -> list[dict]:
    """The fallback without embeddings: frequent words in unmatched problem summaries."""
    summaries = AISession.objects.for_account(account).filter(
        created_at__gte=since, confidence_tier=ConfidenceTier.DISCOVERY
    )
    counts = Counter()
    for text in summaries.values_list("problem_summary", flat=True)[: settings.REPEATED_PATTERN_MAX_SESSIONS]:
        counts.update({w for w in _WORD.findall((text or "").casefold()) if w not in _STOP})
    return [
        _gap(
            "repeated_pattern",
            f"keyword:{word}",
            None,
            _sessions_severity(n),
            f"“{word}” comes up in {n} problems with no flow",
            "A frequent term among unmatched problems.",
            {"sessions": int(n), "keyword": word, "example_session_ids": []},
            "Look at these sessions and create a flow.",
        )
        for word, n in counts.most_common(5)
        if n >= settings.REPEATED_PATTERN_MIN_SESSIONS
    ]
