"""How a rules-built flow words its steps: like a colleague's procedure, not a log.

An engineer records "Checked Device Manager on the PC" or "restarting the spooler"; the flow says "Check
Device Manager on the PC" and "Restart the spooler". A note with no verb ("Device Manager") becomes
"Check Device Manager". Bare fillers ("Checked", "Done") are not instructions at all. A pure module.
"""

import re


def _words(text: str) -> frozenset:
    return frozenset(text.split())


# Past tenses and participles engineers write, and their imperative (the irregular and the tricky ones).
_PAST = {
    "ran": "run",
    "did": "do",
    "went": "go",
    "got": "get",
    "gave": "give",
    "made": "make",
    "took": "take",
    "told": "tell",
    "sent": "send",
    "set": "set",
    "reset": "reset",
    "put": "put",
    "found": "find",
    "rebuilt": "rebuild",
    "built": "build",
    "spoke": "speak",
    "rang": "ring",
    "wrote": "write",
    "read": "read",
    "saw": "see",
    "held": "hold",
    "left": "leave",
    "brought": "bring",
    "bought": "buy",
    "kept": "keep",
    "shut": "shut",
    "swapped": "swap",
    "mapped": "map",
    "stopped": "stop",
    "logged": "log",
    "plugged": "plug",
    "unplugged": "unplug",
    "dropped": "drop",
    "pinned": "pin",
    "unpinned": "unpin",
    "tagged": "tag",
    "zipped": "zip",
    "skipped": "skip",
    "tapped": "tap",
    "flagged": "flag",
    "dragged": "drag",
    "shipped": "ship",
    "scanned": "scan",
    "planned": "plan",
    "re-ran": "re-run",
    "reran": "rerun",
    "rolled": "roll",
    "pinged": "ping",
    "synced": "sync",
    "resynced": "resync",
}
# Imperatives the flows start with. A step whose first word is one of these is already an instruction.
VERBS = _words(
    """
    add allow apply ask assign back boot browse call cancel change check clean clear click close compare
    configure confirm connect contact copy create delete deploy disable disconnect download drain edit
    enable ensure enter escalate export find fix flush force format go grant have identify import install
    join kill launch let log look make map migrate move note open pair patch ping plug power press print
    re-add re-create re-enable re-enter re-install re-join re-map re-pair re-register reboot rebuild recreate
    reconnect register reinstall re-run rerun release remap remove rename renew repair replace request
    reseat reset resize restart restore resync retry revert review roll run scan search see select send
    set shut sign start stop swap switch sync take tell test tick toggle try turn unblock uninstall unlock
    unpin unplug untick update upgrade use verify view wait wipe whitelist
    get give keep leave put read write hold ring speak bring buy drop drag skip tap flag tag zip
    issue continue rescue obtain provide document inform notify advise explain walk show guide remote
    reach visit attend collect order deliver mount attach detach extend shrink increase decrease raise
    lower adjust align calibrate generate renew reauthenticate re-authenticate authorise authorize approve
    block quarantine isolate contain investigate revoke rotate purge archive empty free extract convert
    exclude include trust untrust publish unpublish share unshare invite reassign transfer delegate
    recover reapply re-apply relaunch reopen reload refresh repoint point route forward redirect
    activate deactivate reactivate licence license unlicense unsync unmap unmount uncheck unshare unassign
    disjoin rejoin re-sync reprovision provision onboard offboard suspend resume pause schedule reschedule
    label relabel tighten loosen lock dismiss acknowledge accept decline reject approve deny escalate
    measure monitor capture record log trace debug diagnose troubleshoot inspect audit reconfigure
    repoint rebind bind unbind reindex rebuild defrag optimise optimize compact shrink expand grow
    """
)
FILLERS = _words("checked check done did it ok okay tried yes no nothing n/a na worked fixed sorted looked tested - .")
_LEADING_SUBJECT = re.compile(r"^(?:i|we|engineer|tech)\s+(?:have\s+|had\s+|then\s+|also\s+|just\s+)?", re.IGNORECASE)
_LEADING_FILLER = re.compile(r"^(?:then|next|first|also|and|so)\s*,?\s+", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_KEEP_E = re.compile(r"(?:[^aeiou][aeiou](?:v|c|z|s|g|r|t|l|m|n|k|p)|ur|dl|bl|pl|tl|gl|kl|fl|at|it|ut|iz|us|ud)$")
_NO_E = re.compile(
    r"(?:ck|ch|sh|en|er|ow|ay|ey|oy|ect|ist|est|ert|ort|art|ain|ail|all|ill|ull|ess|iss|ash|ush|ng|rm|rn|lp|wn)$"
)


def is_filler(text: str) -> bool:
    return " ".join((text or "").lower().split()).strip(" .!") in FILLERS


def base_form(word: str) -> str | None:
    """The imperative of a past tense or a gerund, or None when `word` is neither."""
    lower = word.lower()
    if lower in _PAST:
        return _PAST[lower]
    if lower in VERBS:
        return None
    if lower.endswith("ied") and len(lower) > 4:
        return lower[:-3] + "y"
    if lower.endswith("ed") and len(lower) > 3:
        stem = lower[:-2]
        if stem.endswith(("e", "u")):  # "agreed"; "issued", "continued"
            return stem if stem.endswith("e") else stem + "e"
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in VERBS:  # "cancelled"
            return stem[:-1]
        if stem in VERBS or stem + "e" not in VERBS and _NO_E.search(stem):
            return stem
        if stem + "e" in VERBS or _KEEP_E.search(stem):
            return stem + "e"
        return stem
    if lower.endswith("ing") and len(lower) > 5:
        stem = lower[:-3]
        if stem in VERBS:
            return stem
        if stem + "e" in VERBS:
            return stem + "e"
        if len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in VERBS:
            return stem[:-1]
        return stem if _NO_E.search(stem) else None
    return None


_AND_PAST = re.compile(r"(\b(?:and|then|,)\s+)([A-Za-z]+ed|ran|did|went|got|gave|made|took|sent)\b")


def imperative(text: str, default_verb: str = "Check") -> str:
    """An action instruction starting with a verb: "Checked the DNS" → "Check the DNS"."""
    text = " ".join((text or "").split())
    if not text:
        return text
    text = _LEADING_SUBJECT.sub("", text)
    text = _LEADING_FILLER.sub("", text)
    first = _WORD.match(text)
    if not first:
        return f"{default_verb} {text}".strip()
    word = first.group()
    base = base_form(word)
    if base is not None:
        text = base + _AND_PAST.sub(_and_imperative, text[first.end() :])
    elif word.lower() not in VERBS:
        return f"{default_verb} {text[:1].lower() + text[1:] if _is_plain_capital(word) else text}"
    return text[:1].upper() + text[1:]


def _and_imperative(match: re.Match) -> str:
    """ "Disabled SIP ALG and rebooted the phones": the second verb follows the first."""
    base = base_form(match.group(2))
    return match.group(1) + base if base is not None and base in VERBS else match.group()


def starts_with_verb(text: str) -> bool:
    first = _WORD.match((text or "").strip())
    return bool(first) and first.group().lower() in VERBS


def _is_plain_capital(word: str) -> bool:
    """A sentence capital ("The printer"), not a name (DNS, Outlook)."""
    return word[:1].isupper() and word[1:].islower() and word.lower() in ("the", "a", "an", "its", "their", "all")
