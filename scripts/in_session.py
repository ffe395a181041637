"""What FlowPilot needs from the script generator mid-session: pure functions the engine and the session
step card call.

- `templates_for_prompt(user)`: the templates to offer the LLM in the system prompt;
- `resolve_proposed_script(user, ref, pre_filled_params=...)`: check a proposed template and its pre-filled params;
- `prefill_from_text(template, texts)`: guess params from what the session knows (no LLM needed);
- `generate(user, template, params=..., ai_session=...)`: the one generation service (scripts.services).

Secrets are never pre-filled: whatever is proposed for a secret is dropped, so it is never stored in a
step's content.
"""

import re
import uuid
from bisect import bisect_right
from typing import Any

from django.db.models import F

from scripts import selectors, template_engine
from scripts.models import ScriptTemplate
from scripts.services import generate

__all__ = ["generate", "prefill_from_text", "resolve_proposed_script", "templates_for_prompt"]


def templates_for_prompt(user, limit: int = 20) -> list[dict]:
    """Active templates `user` may use, most used first: the team's, the account's and built-ins.

    Where an account's template has a built-in's slug (a customised copy), only the most specific one is
    offered. Each: {"id", "slug", "name", "description", "parameters": [keys]}.
    """
    rows = (
        selectors.usable_templates(user)
        .order_by(F("usage_count").desc(), selectors.specificity(), "name")
        .select_related(None)
        .only("id", "slug", "name", "description", "parameters_schema", "usage_count", "account", "team")
    )
    by_slug: dict[str, ScriptTemplate] = {}
    for template in rows:
        current = by_slug.get(template.slug)
        if current is None or _rank(template) < _rank(current):
            by_slug[template.slug] = template
    chosen = sorted(by_slug.values(), key=lambda t: (-t.usage_count, _rank(t), t.name))[:limit]
    return [
        {
            "id": str(t.pk),
            "slug": t.slug,
            "name": t.name,
            "description": t.description,
            "parameters": t.parameter_keys,
        }
        for t in chosen
    ]


def _rank(template: ScriptTemplate) -> int:
    return 0 if template.team_id else 1 if template.account_id else 2


def resolve_proposed_script(
    user, template_ref, *, pre_filled_params: dict | None
) -> tuple[ScriptTemplate, dict] | None:
    """The template FlowPilot proposed (by id or slug) and the usable part of its pre-filled params.

    None if the template does not exist or `user` may not use it. The params keep only the schema's keys;
    each value is validated on its own and dropped if invalid or empty (left for the engineer), and
    secrets are always dropped. Values are the clean ones (an int for an int, a bool for a bool).
    """
    template = _find(user, template_ref)
    if template is None:
        return None
    return template, _valid_params(template, pre_filled_params or {})


def _find(user, template_ref) -> ScriptTemplate | None:
    if isinstance(template_ref, ScriptTemplate):
        template_ref = template_ref.pk
    if template_ref is None or str(template_ref).strip() == "":
        return None
    ref = str(template_ref).strip()
    try:
        pk = uuid.UUID(ref)
    except ValueError:
        return selectors.template_by_slug(user, ref)
    return selectors.usable_templates(user).filter(pk=pk).first()


def _valid_params(template: ScriptTemplate, proposed: dict) -> dict:
    if not isinstance(proposed, dict):
        return {}
    valid = {}
    for parameter in template.parameters:
        raw = proposed.get(parameter.key)
        if parameter.is_secret or template_engine.is_missing(raw):
            continue
        try:
            valid[parameter.key] = template_engine.clean_value(parameter, raw)
        except ValueError:
            continue
    return valid


# ── Guessing parameters from text ───────────────────────────────────────────────────────────────────

PREFILL_MAX_CHARS = 20_000

_ADDRESS = re.compile(r"(?<![\w.'+-])([A-Za-z0-9][\w.'+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?![\w-])")
_DOWN_LEVEL_LOGON = re.compile(r"(?<![\w\\])([A-Za-z][A-Za-z0-9-]{0,14})\\([A-Za-z0-9][\w.$-]{0,19})(?![\w\\])")
# "\s*(?:(?:...)\s*)?" rather than "\s*(?:...)?\s*": two adjacent \s* make a long run of spaces cost
# quadratic time (ReDoS); this form matches the same text with one way to match it.
_USER_WORD = re.compile(
    r"\b(?:user(?:name)?|account|login|logon|sam(?:accountname)?)\s*(?:(?::|=|is|named|called)\s*)?"
    r"['\"‘’“”]?([A-Za-z][\w.$-]{1,19})",
    re.IGNORECASE,
)
_HOST_WORD = re.compile(
    r"\b(?:server|host|computer|pc|laptop|workstation|machine|device|dc|nas|printer)\s*(?:(?::|=|is|named|called)\s*)?"
    r"['\"‘’“”]?([A-Za-z0-9][A-Za-z0-9.-]{0,62})",
    re.IGNORECASE,
)
_FQDN = re.compile(r"(?<![\w@.-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-])")
# Computer-like names: upper case with a digit (FS01, DC02) or with a hyphen and a digit (nw-lt-042).
_NETBIOS = re.compile(
    r"(?<![\w@.\\-])([A-Z][A-Z0-9]*\d[A-Z0-9]*|(?=[A-Za-z0-9-]*\d)[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)(?![\w@.\\-])"
)
_NOT_HOSTS = {"m365", "o365", "e1", "e3", "e5", "f3", "p1", "p2", "w10", "w11", "win10", "win11", "x64", "x86", "tls12"}
# A name ending in one of these is a file, not a host (setup.exe, CBS.log).
_FILE_EXTENSIONS = {
    "exe", "dll", "log", "txt", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "msi", "ps1", "bat", "cmd",
    "ini", "xml", "json", "csv", "zip", "evtx", "pst", "ost", "lnk", "png", "jpg", "jpeg", "gif", "sys", "cab",
    "tmp", "dat", "html", "htm", "vbs", "js", "iso", "vhd", "vhdx", "qbw", "tlg", "mdb", "accdb",
}  # fmt: skip
# Hosts before IP addresses for a host name: a name says more to the engineer reading the script.
_KIND_RANK = {"host": 0, "ip": 1}
_IPV4 = re.compile(r"(?<![\d.])((?:\d{1,3}\.){3}\d{1,3})(?![\d.])")
_PORT = re.compile(r"\bport\s*(?::\s*)?(\d{1,5})\b", re.IGNORECASE)
# Words that follow "user"/"account"/"server" in ordinary sentences and are never names.
_NOT_NAMES = {
    "a", "an", "the", "is", "was", "has", "had", "have", "can", "cannot", "cant", "can't", "could", "will", "would",
    "should", "does", "did", "not", "no", "and", "or", "with", "without", "who", "which", "that", "this", "their",
    "his", "her", "its", "our", "my", "your", "in", "on", "at", "to", "for", "from", "of", "by", "as", "gets",
    "got", "keeps", "locked", "lockout", "lockouts", "disabled", "enabled", "expired", "name", "names", "account",
    "accounts", "password", "passwords", "reports", "reported", "says", "said", "sees", "saw", "tried", "trying",
    "still", "again", "also", "now", "today", "yesterday", "unable", "able", "isn't", "wasn't", "doesn't",
    "didn't", "won't", "error", "errors", "issue", "issues", "problem", "problems", "room", "side", "down", "up",
    "offline", "online", "restarted", "rebooted", "crashed", "settings", "access", "mailbox", "login", "logon",
    "user", "users", "server", "servers", "host", "computer", "machine", "device", "it", "they", "them",
}  # fmt: skip


def prefill_from_text(template: ScriptTemplate, texts: list[str]) -> dict[str, Any]:
    """Params guessed from what a session knows (the intake, the latest answers and notes), for keys whose
    type fits. Linear in the text, and the text is bounded (see `_bounded_text`).

    Finds e-mail addresses / UPNs, `DOMAIN\\user` and `user jsmith` forms, host names and IPs (and
    `port 443` for int keys named like a port). Each guess is validated by the engine; a key gets the
    first candidate whose preceding words mention the key or label (e.g. "mailbox sales@..."), else the
    first unused one; an optional parameter only from words that name it. Secrets, bools and choices
    are never guessed.
    """
    candidates = _candidates(_bounded_text(texts))
    used: set[str] = set()
    guessed: dict[str, Any] = {}
    for parameter in template.parameters:
        pool = _pool_for(parameter, candidates)
        if not pool:
            continue
        hints = _hint_words(parameter)
        ordered = sorted(pool, key=lambda c: (not (hints & c.context_words), _KIND_RANK.get(c.kind, 0), c.position))
        # An optional parameter is filled only when the text names it ("dns server 8.8.8.8").
        needs_hint = not parameter.required or parameter.default is not None
        for candidate in ordered:
            if candidate.value.lower() in used or (needs_hint and not hints & candidate.context_words):
                continue
            try:
                value = template_engine.clean_value(parameter, candidate.value)
            except ValueError:
                continue
            guessed[parameter.key] = value
            used.add(candidate.value.lower())
            break
    return guessed


def _bounded_text(texts: list[str]) -> str:
    """The texts joined, at most `PREFILL_MAX_CHARS`: beyond it, the first text (the intake, cut to half the
    limit) and the last ones, newest kept first (the oldest of them may keep only its end)."""
    texts = [t for t in texts if t]
    if sum(len(t) + 1 for t in texts) <= PREFILL_MAX_CHARS:
        return "\n".join(texts)
    first = texts[0][: PREFILL_MAX_CHARS // 2]
    room = PREFILL_MAX_CHARS - len(first)
    latest: list[str] = []
    for text in reversed(texts[1:]):
        if len(text) + 1 > room:
            if room > 1:
                latest.append(text[-(room - 1) :])
            break
        latest.append(text)
        room -= len(text) + 1
    return "\n".join([first, *reversed(latest)])


class _Candidate:
    __slots__ = ("kind", "value", "position", "context_words")

    def __init__(self, kind: str, value: str, position: int, text: str):
        self.kind = kind
        self.value = value
        self.position = position
        before = text[max(0, position - 40) : position].lower()
        self.context_words = set(re.findall(r"[a-z]+", before)[-4:])


def _candidates(text: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    addresses = list(_ADDRESS.finditer(text))
    # finditer's spans are sorted and disjoint: the one that could hold a position is found by bisection.
    address_starts = [m.start() for m in addresses]
    address_ends = [m.end() for m in addresses]

    def inside_address(position: int) -> bool:
        index = bisect_right(address_starts, position) - 1
        return index >= 0 and position < address_ends[index]

    for match in addresses:
        found.append(_Candidate("address", match.group(1).rstrip("."), match.start(1), text))
    for match in _DOWN_LEVEL_LOGON.finditer(text):
        found.append(_Candidate("logon", match.group(2), match.start(2), text))
    for match in _USER_WORD.finditer(text):
        word = match.group(1).rstrip(".")
        if (
            word.lower() not in _NOT_NAMES
            and not inside_address(match.start(1))
            and "@" not in text[match.end(1) : match.end(1) + 1]
        ):
            found.append(_Candidate("logon", word, match.start(1), text))
    for match in _IPV4.finditer(text):
        found.append(_Candidate("ip", match.group(1), match.start(1), text))
    for match in _HOST_WORD.finditer(text):
        word = match.group(1).rstrip(".")
        if word.lower() in _NOT_NAMES or inside_address(match.start(1)) or _IPV4.fullmatch(word):
            continue
        if _looks_like_host(word):
            found.append(_Candidate("host", word, match.start(1), text))
    for pattern in (_FQDN, _NETBIOS):
        for match in pattern.finditer(text):
            name = match.group(1).rstrip(".")
            if inside_address(match.start(1)) or _IPV4.fullmatch(name) or not _looks_like_host(name):
                continue
            found.append(_Candidate("host", name, match.start(1), text))
    for match in _PORT.finditer(text):
        found.append(_Candidate("port", match.group(1), match.start(1), text))
    return found


def _looks_like_host(name: str) -> bool:
    lowered = name.lower()
    return lowered not in _NOT_HOSTS and lowered.rsplit(".", 1)[-1] not in _FILE_EXTENSIONS


def _pool_for(parameter: template_engine.Parameter, candidates: list[_Candidate]) -> list[_Candidate]:
    kinds = {
        "email": ("address",),
        "upn": ("address",),
        "sam_account_name": ("logon",),
        "hostname": ("host", "ip"),
        "ip": ("ip",),
    }.get(parameter.type)
    if parameter.type == "int" and "port" in parameter.key:
        kinds = ("port",)
    if not kinds:
        return []
    return [c for c in candidates if c.kind in kinds]


def _hint_words(parameter: template_engine.Parameter) -> set[str]:
    words = set(re.findall(r"[a-z]+", f"{parameter.key} {parameter.label}".lower()))
    return words - {"name", "user", "principal", "the", "a", "of", "to", "address", "e", "mail"} | (
        {"shared"} if "mailbox" in words else set()
    )
