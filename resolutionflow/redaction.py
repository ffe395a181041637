"""The secret detector: every free text a session takes passes `redact()` before it is stored.

A pure module (no request, no ORM). Two sources of findings:

- detect-secrets' plugins, used as a library, for structured tokens (cloud keys, GitHub/Slack/Stripe
  tokens, JWTs, private keys, URLs with credentials). We instantiate the plugin classes ourselves and
  call `analyze_string()`: that path reads none of detect-secrets' global settings (which are a
  process-wide singleton, unsafe to switch per call from several threads), and it runs no network
  verification. Not used: the hex/base64 entropy plugins (they flag file hashes and certificate
  thumbprints an engineer must keep verbatim), the public-IP plugin (an address is not a secret), the
  keyword plugin (written for code; prose is ours). The plugins return values, not positions: the
  spans are found here from the values.
- our own patterns for how engineers write secrets in prose: a password/pw/PIN/passphrase/key cue with
  its value in the same clause, connection strings, `net use`, `ConvertTo-SecureString ... -AsPlainText`,
  SAS signatures, Wi-Fi keys, LAPS passwords, BitLocker recovery keys, recovery and one-time codes.

Values shaped like the things an engineer must keep verbatim (GUIDs, SIDs, hashes, KB numbers, error
codes, builds, ports, addresses, paths, registry keys) are never taken for a secret.
"""

import re
from dataclasses import dataclass

from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

MARKER = "[hidden secret]"

PASSWORD = "password"
PIN = "PIN"
KEY = "key"
TOKEN = "token"
CODE = "one-time or recovery code"
CONNECTION_STRING = "connection string password"
SAS = "SAS signature"
BITLOCKER = "BitLocker recovery key"
PRIVATE_KEY = "private key"
BY_HAND = "hidden by hand"


@dataclass(frozen=True)
class Redaction:
    """A text with its secrets replaced by MARKER, and the kinds of secret that were hidden."""

    text: str
    kinds: tuple[str, ...] = ()

    @property
    def hid_something(self) -> bool:
        return bool(self.kinds)


@dataclass(frozen=True, order=True)
class Finding:
    start: int
    end: int
    kind: str


# ── detect-secrets: structured tokens ──────────────────────────────────────────────────────────────

# Each plugin with the kind it finds and a cheap hint it needs in the text to find anything (so a text runs
# only the plugins that could match it).
_PLUGINS = tuple(
    (plugin(), kind, re.compile(hint))
    for plugin, kind, hint in (
        (AWSKeyDetector, KEY, r"A3T|ABIA|ACCA|AKIA|ASIA|aws"),
        (AzureStorageKeyDetector, KEY, r"AccountKey="),
        (BasicAuthDetector, PASSWORD, r"://[^\s/]*@|://\S*:\S*@"),
        (DiscordBotTokenDetector, TOKEN, r"[MNO][\w-]{23,25}\."),
        (GitHubTokenDetector, TOKEN, r"gh[pousr]_"),
        (GitLabTokenDetector, TOKEN, r"gl[a-z]{2,6}-|GR1348941"),
        (JwtTokenDetector, TOKEN, r"eyJ"),
        (MailchimpDetector, KEY, r"-us\d"),
        (NpmDetector, TOKEN, r"_authToken"),
        (OpenAIDetector, KEY, r"sk-"),
        (PrivateKeyDetector, PRIVATE_KEY, r"PRIVATE KEY|PuTTY-User-Key"),
        (PypiTokenDetector, TOKEN, r"pypi-"),
        (SendGridDetector, KEY, r"SG\."),
        (SlackDetector, TOKEN, r"xox|hooks\.slack"),
        (SquareOAuthDetector, TOKEN, r"sq0"),
        (StripeDetector, KEY, r"[rs]k_live_"),
        (TelegramBotTokenDetector, TOKEN, r"\d{8,10}:"),
        (TwilioKeyDetector, KEY, r"AC[a-z0-9]{32}|SK[a-z0-9]{32}"),
    )
)
_PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)"
    r"|PuTTY-User-Key-File-\d.*?(?:Private-MAC:[^\S\n]*\S+|\Z)",
    re.DOTALL,
)


def _library_findings(text: str) -> list[Finding]:
    found = []
    for plugin, kind, hint in _PLUGINS:
        if not hint.search(text):
            continue
        for value in set(plugin.analyze_string(text)):
            if kind == PRIVATE_KEY:
                found.extend(Finding(m.start(), m.end(), kind) for m in _PEM_BLOCK.finditer(text))
                continue
            value = value.strip()
            if len(value) < 4:
                continue
            start = text.find(value)
            while start != -1:
                found.append(Finding(start, start + len(value), kind))
                start = text.find(value, start + len(value))
    return found


# ── What must stay verbatim ───────────────────────────────────────────────────────────────────────

_VERBATIM_VALUE = re.compile(
    r"""(?ix)
    \{?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}\}?       # GUID, braces or not (BitLocker key IDs too)
    | S-1-\d+(?:-\d+)+                                       # SID
    | (?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})   # hash, thumbprint
    | (?:[0-9a-f]{2}:){15,}[0-9a-f]{2}                       # colon-separated thumbprint
    | KB\d{6,8}
    | 0x[0-9a-f]{4,16}
    | AADSTS\d{4,6}
    | [A-Z]{1,2}\d{3,4}                                      # H202, C1900
    | \d{3}\s?\d\.\d\.\d{1,3}                                # SMTP 550 5.7.1
    | \d+(?:\.\d+){2,}                                       # builds, versions, IPv4
    | \d{2}H\d                                               # 22H2
    | v\d+(?:\.\d+)*                                         # v1.2.3
    | \$[a-z_]\w*                                            # a PowerShell variable
    | (?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?:/\d{1,2})?       # IPv4 with port or prefix
    | [a-z]:\\.*                                             # C:\...
    | %[a-z_]+%.*                                            # %APPDATA%
    | HK(?:LM|CU|CR|U|CC|EY_[A-Z_]+)\b.*                     # registry
    | \\\\.*                                                 # UNC path
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                           # e-mail / UPN
    | https?://[^\s:@]+                                      # a URL without credentials
    | \[hidden[^\]]*\]?.*                                    # already hidden
    """
)

# ── Our prose patterns ────────────────────────────────────────────────────────────────────────────

_CUES = {
    "password": r"pass(?:word|wd|phrase|code)s?|pwd|pw|adm-?pwd|ms-mcs-admpwd|laps",
    "reset": r"reset",
    "pin": r"(?-i:PIN)(?:\s+(?:code|number))?|pin\s+(?:code|number)|pin(?=\s*(?:is|was|:|=)\s)",
    "key": (
        r"(?:pre-?shared|wi-?fi|wireless|wpa[23]?|wep|network|security|api|access|secret|licen[cs]e|product|"
        r"encryption|subscription|storage\s+account|account|client|shared\s+access)\s+keys?|psk|keys?"
    ),
    "token": r"(?:access\s+|api\s+|bearer\s+|refresh\s+|personal\s+access\s+)?tokens?|client\s+secret|secret",
    "code": (
        r"(?:recovery|backup|one[- ]time|otp|mfa|2fa|verification|authenticator|authentication|sms|"
        r"security|unlock|pairing|sign-?in|login|reset)\s+(?:pass)?codes?|otp|totp"
    ),
}
_CUE = re.compile(
    r"(?<![\w-])(?:" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _CUES.items()) + r")(?![\w-])",
    re.IGNORECASE,
)
_CUE_KIND = {"reset": PASSWORD, "password": PASSWORD, "pin": PIN, "key": KEY, "token": TOKEN, "code": CODE}
# Nouns right after a cue that make it a different thing: "password policy", "key ID", "token lifetime".
_NOT_THE_VALUE = re.compile(
    r"\s*(?:policy|policies|expiry|expiration|expires?|expired|age|length|history|complexity|manager|prompts?|"
    r"hash(?:es)?|thumbprint|field|box|vault|store|reset\s+(?:portal|link|page)|ids?|identifier|protectors?|"
    r"file|path|lifetime|cache|sync|writeback|change\s+(?:screen|page)|rotation|requirements?|rules?)\b",
    re.IGNORECASE,
)
# A clause ends at a sentence end, a semicolon or a line end.
_CLAUSE_END = re.compile(r"[.;!?](?=\s|$)|\n|\\n(?![A-Za-z0-9])|[\"“”\[\]{}|]")
# Escapes of pasted JSON or logs end a value: "(password spray).\n-", "password \u2014 for".
_ESCAPE = re.compile(r"\\[ntr](?![A-Za-z0-9])|\\u[0-9a-fA-F]{4}")
_CONNECTOR = re.compile(
    r"[\"']?\s*(?::=|=>|[:=]|\b(?:is|was|are|were|is\s+now|was\s+set\s+to|to|as|reads|shows|showed|gave|returned|of)\b)\s*",
    re.IGNORECASE,
)
_GAP_WORD = re.compile(r",?[^\S\n]+[^\s.;:=!?\"“”\[\]{},]+")
_VALUE = re.compile(
    r"""(?x)
    (?P<q>['"‘’“”`])(?P<quoted>[^'"‘’“”`\n]{1,200})['"‘’“”`]
    | (?P<bare>[^\s'"‘’“”`;]{1,200})
    """
)
_TRAILING = ".,;:)]}>"
_KEY_GROUPS = re.compile(r"(?:[A-Za-z0-9]{4,6}-){3,}[A-Za-z0-9]{4,6}")
_SYMBOL = re.compile(r"[!@#$%^&*?~+=<>|/\\(){}\[\]]")
_MORE_CODES = re.compile(r"[^\S\n]*(?:,|and|&)?[^\S\n]*(\d{3,4}[ -]\d{3,4}|\d{4,10})(?![\d.:/-])")
_SPLIT_CODE = re.compile(r"\d{3,4}[ -]\d{3,4}(?![\d.:/-])")
_CODE_VALUE = re.compile(r"\d{4,10}|(?:[A-Za-z0-9]{3,6}-){1,5}[A-Za-z0-9]{3,6}|[A-Za-z0-9]{6,12}")
_ORDINARY_WORDS = """
    a an the it its this that these those them they he she his her their our your my me us we you i
    is was are were be been being not no none nothing now still also too very just only same different
    correct incorrect wrong right invalid valid blank empty fine ok okay good bad weak strong long short
    simple complex known unknown new old current temporary temp due stale visible hidden required needed
    set reset saved stored cached changed expired locked unlocked working sensitive case-sensitive
    in on at for with from by of and or but so if then when after before into onto via per about
    never always sometimes again here there what which who whom whose where why how all any some every
    enforced disabled enabled available accepted rejected ready missing unchanged sent shown asked
    already probably definitely likely back then once twice actually apparently because since until
"""
_PLAIN_WORDS = frozenset(_ORDINARY_WORDS.split())
_UNIT_AFTER = re.compile(
    r"\s*(?:days?|hours?|minutes?|mins?|seconds?|secs?|characters?|chars?|digits?|times?|attempts?|tries|"
    r"weeks?|months?|years?|users?|%)\b",
    re.IGNORECASE,
)


def _is_plain_word(value: str) -> bool:
    word = value.lower()
    return word in _PLAIN_WORDS or (
        value.isalpha() and (word.endswith(("ed", "ing", "ly")) or value.islower() and len(value) < 4)
    )


_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


def _looks_strong(value: str) -> bool:
    """Shaped like a password: letters with digits or symbols (mixed case alone is a product name: OneDrive)."""
    if len(value) < 4:
        return False
    has_digit = _DIGIT.search(value) is not None
    has_symbol = _SYMBOL.search(value) is not None
    if has_digit or has_symbol:
        return (has_digit and has_symbol) or _LETTER.search(value) is not None
    return _KEY_GROUPS.fullmatch(value) is not None  # app passwords, licence keys: xkqp-trvw-mnbs-lhgz


_SETTING = re.compile(r"\b(?:set|reset|changed?|updated?)\b(?:\s+\S+){0,3}\s*$", re.IGNORECASE)
# Verbs that follow "password to" without being a password: "forced the password to expire".
_NOT_A_NEW_PASSWORD = frozenset(
    ("expire", "change", "update", "match", "comply", "include", "reset", "rotate", "never", "something")
)
_STRICT = (":", "=", ":=", "is", "was", "is now")
# What may follow a lone word for it to be the value ("password is bluebird." / "..., and").
_ENDS_A_VALUE = re.compile(r"\s*(?:$|[.,;!?)\n]|\b(?:and|but|so|then|for|—|-)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class _Cue:
    kind: str
    connector: str  # "" when the value follows the cue after a space
    gap: int  # words between the cue and the connector
    is_passphrase: bool
    set_to: bool = False  # "set/reset/changed the password to ...": what follows "to" is the new password


def _acceptable(value: str, quoted: bool, cue: _Cue, after: str) -> bool:
    if not value or _VERBATIM_VALUE.fullmatch(value) or _is_plain_word(value.rstrip("!?")):
        return False
    strict = cue.connector in _STRICT and cue.gap == 0
    if value.isdigit():
        if _UNIT_AFTER.match(after):
            return False
        if cue.kind in (PIN, CODE):
            return 4 <= len(value) <= 12
        return cue.kind == PASSWORD and len(value) >= 6 and cue.gap == 0
    if cue.kind == CODE:
        return bool(_CODE_VALUE.fullmatch(value)) and any(c.isdigit() for c in value)
    if quoted:  # a quoted phrase is a message ("does not meet the policy"), unless it is the passphrase
        return not any(c.isspace() for c in value) or strict or cue.is_passphrase
    if _looks_strong(value):
        return True
    # A lone ordinary word only as "password: bluebird" / "password is bluebird" / "set the password to
    # bluebird", ending the clause.
    lone = strict or (cue.set_to and cue.connector == "to" and cue.gap == 0)
    return (
        lone
        and cue.kind == PASSWORD
        and value.isalpha()
        and len(value) >= 5
        and value.lower() not in _NOT_A_NEW_PASSWORD
        and bool(_ENDS_A_VALUE.match(after))
    )


def _cue_findings(text: str) -> list[Finding]:
    found = []
    for cue in _CUE.finditer(text):
        after_cue = cue.end()
        if _NOT_THE_VALUE.match(text, after_cue):
            continue
        clause_end = _CLAUSE_END.search(text, after_cue + 1)  # '"password": "x"' closes its key first
        limit = min(clause_end.start() if clause_end else len(text), after_cue + 160)
        position, gap = after_cue, 0
        while position <= limit and gap <= 8:
            finding = _value_after(text, position, limit, cue, gap)
            if finding:
                found.append(finding)
                break
            word = _GAP_WORD.match(text, position)
            if not word or word.end() > limit:
                break
            position, gap = word.end(), gap + 1
    return found


def _value_after(text: str, position: int, limit: int, cue_match: re.Match, gap: int) -> Finding | None:
    connector = _CONNECTOR.match(text, position)
    if connector and connector.end() <= limit + 1 and connector.group().strip():
        start, joined = connector.end(), connector.group().strip().lower()
        joined = " ".join(joined.split())
    elif gap == 0 and text[position : position + 1] in (" ", "\t"):
        start, joined = position + 1, ""
    else:
        return None
    if cue_match.lastgroup == "reset" and joined != "to":  # "reset it to Welcome2024!"
        return None
    setting = bool(_SETTING.search(text, max(0, cue_match.start() - 40), cue_match.start()))
    cue = _Cue(_CUE_KIND[cue_match.lastgroup], joined, gap, cue_match.group().lower().startswith("passphrase"), setting)
    if cue.kind in (PIN, CODE) and (split := _SPLIT_CODE.match(text, start)):  # "551 204"
        return Finding(split.start(), _more_codes(text, split.end()), cue.kind)
    value = _VALUE.match(text, start)
    if not value:
        return None
    quoted = value.group("quoted") is not None
    if quoted:
        raw, begin = value.group("quoted"), value.start("quoted")
    else:
        raw, begin = _ESCAPE.split(value.group("bare"), maxsplit=1)[0].rstrip(_TRAILING), value.start("bare")
        if raw[:1] in "([{<":
            return None
        if not _looks_strong(raw.rstrip("!?")):  # "the password problem?": a question mark, not a symbol
            raw = raw.rstrip("!?")
    end = begin + len(raw)
    if not joined and cue.kind not in (PIN, CODE) and not (quoted or _looks_strong(raw)):
        return None
    if not _acceptable(raw, quoted, cue, text[end : end + 20]):
        return None
    if cue.kind in (PIN, CODE):
        end = _more_codes(text, end)
    return Finding(begin, end, cue.kind)


def _more_codes(text: str, end: int) -> int:
    """Where a list of codes ends: "backup codes: 1234 5678, 8765 4321"."""
    more = _MORE_CODES.match(text, end)
    while more:
        end = more.end(1)
        more = _MORE_CODES.match(text, end)
    return end


_CONNECTION_PASSWORD = re.compile(
    r"(?<![\w-])(?:password|pwd|user\s+password|accountkey|sharedaccesskey|sharedsecret|client_secret)\s*=\s*"
    r"(?P<value>'[^'\n]*'|\"[^\"\n]*\"|\{[^}\n]*\}|[^;\s'\"&][^;\n'\"&]*?)(?=;|\s*$|\s*['\"]|&|\s+\w+\s*=|\s*\n)",
    re.IGNORECASE | re.MULTILINE,
)
_SAS_SIGNATURE = re.compile(r"[?&]sig=(?P<value>[A-Za-z0-9%+/=_-]{8,})")
_SECURE_STRING = re.compile(
    r"ConvertTo-SecureString\s+(?:-String\s+)?(?:(?P<q>['\"‘’“”])(?P<quoted>[^'\"‘’“”\n]+)['\"‘’“”]|(?P<bare>[^\s'\"$-][^\s]*))"
    r"(?=[^\n]*-AsPlainText)",
    re.IGNORECASE,
)
_NET_USE = re.compile(r"\bnet\s+use\b(?P<args>[^\n]*)", re.IGNORECASE)
_NET_USE_TOKEN = re.compile(r"\"[^\"]*\"|\S+")
_NET_USE_NOT_PASSWORD = re.compile(r"[a-z]:|\*|/.*|\\\\.*|\"\\\\.*|<[^>]*>:?", re.IGNORECASE)
_NET_USE_STOP = re.compile(r"&&|\|\||[|;>]")
_BITLOCKER_KEY = re.compile(r"(?<![\d-])\d{6}(?:-\d{6}){7}(?![\d-])")


def _pattern_findings(text: str) -> list[Finding]:
    found = []
    lowered_hint = text.lower()
    if "=" in text:
        for match in _CONNECTION_PASSWORD.finditer(text):
            value = match.group("value").strip()
            if value.strip("'\"{}") and not value.startswith("[hidden"):
                found.append(Finding(match.start("value"), match.start("value") + len(value), CONNECTION_STRING))
        found.extend(Finding(m.start("value"), m.end("value"), SAS) for m in _SAS_SIGNATURE.finditer(text))
    if "securestring" in lowered_hint:
        for match in _SECURE_STRING.finditer(text):
            group = "quoted" if match.group("quoted") else "bare"
            if not match.group(group).startswith("[hidden"):
                found.append(Finding(match.start(group), match.end(group), PASSWORD))
    if "net " in lowered_hint:
        for match in _NET_USE.finditer(text):
            found.extend(_net_use_passwords(match))
    if "-" in text:
        found.extend(Finding(m.start(), m.end(), BITLOCKER) for m in _BITLOCKER_KEY.finditer(text))
    return found


def _net_use_passwords(match: re.Match) -> list[Finding]:
    """`net use Z: \\\\srv\\share P@ss /user:DOMAIN\\x`: the bare argument that is not a drive, share or switch."""
    found = []
    args = match.group("args")
    stop = _NET_USE_STOP.search(args)
    args = args[: stop.start()] if stop else args
    if "\\\\" not in args and "/user:" not in args.lower():  # prose about net use, not a command
        return found
    args_start = match.start("args")
    for token in _NET_USE_TOKEN.finditer(args):
        value = token.group()
        if _NET_USE_NOT_PASSWORD.fullmatch(value) or _is_plain_word(value.rstrip(",.:")) or value.startswith("[hidden"):
            continue
        found.append(Finding(args_start + token.start(), args_start + token.end(), PASSWORD))
    return found


# ── The API ───────────────────────────────────────────────────────────────────────────────────────


def find_secrets(text: str) -> list[Finding]:
    """Every secret span in `text`, sorted (spans may overlap: two patterns can see the same secret)."""
    if not text:
        return []
    return sorted(_pattern_findings(text) + _cue_findings(text) + _library_findings(text))


def redact(text: str) -> Redaction:
    """`text` with every secret replaced by MARKER, and the kinds hidden (an idempotent operation)."""
    text = text or ""
    findings = find_secrets(text)
    if not findings:
        return Redaction(text)
    pieces, cursor = [], 0
    for finding in findings:
        if finding.end <= cursor:
            continue
        if finding.start >= cursor:
            pieces.append(text[cursor : finding.start])
            pieces.append(MARKER)
        cursor = finding.end
    pieces.append(text[cursor:])
    return Redaction("".join(pieces), tuple(sorted({f.kind for f in findings})))


def redacted(text: str) -> str:
    return redact(text).text


def contains_secret(text: str) -> bool:
    return bool(find_secrets(text or ""))


def hide_span(text: str, span: str) -> Redaction:
    """An engineer hides a span by hand: every occurrence of `span` in `text` outside the markers already
    there becomes MARKER (a span matching part of a marker, "hidden" say, leaves the markers whole)."""
    span = (span or "").strip()
    pieces = (text or "").split(MARKER)
    if not span or not any(span in piece for piece in pieces):
        return Redaction(text or "")
    return Redaction(MARKER.join(piece.replace(span, MARKER) for piece in pieces), (BY_HAND,))
