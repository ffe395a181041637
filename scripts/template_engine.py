"""The script template engine: parameter schemas, value validation, PowerShell quoting and rendering.

Engineers paste the scripts this module writes into an elevated PowerShell on a client's domain
controller, so its one promise is that a value can never become code:

- every value is checked against its parameter's type, and text never contains line breaks or other
  control characters (nor invisible format characters such as bidi overrides);
- text is substituted as a PowerShell single-quoted literal, in which PowerShell treats U+0027 and the
  typographic quotes U+2018–U+201B all as quotes: each is doubled (`''` → `'`, `’’` → `’`), and nothing
  else in a single-quoted literal is special (no `$`, no backtick, no subexpression);
- ints are written as digits, bools as `$true` / `$false`, a missing optional value as `$null`;
- a template body is accepted only when every placeholder stands where a whole argument or expression
  is expected: not in a double-quoted string, a here-string, a comment or a single-quoted string, not
  glued to other characters, and not where PowerShell would run the value as a command. The check lexes
  the body with Pygments' PowerShellLexer, after mapping the typographic quotes and dashes PowerShell
  honours to their ASCII forms (Pygments knows only the ASCII ones);
- and a body may not use a dynamic-execution sink anywhere: text turned into code (Invoke-Expression,
  [ScriptBlock]::Create, $ExecutionContext, Add-Type), a function or alias definition, a command, member,
  type or variable named at run time, the runspace and PowerShell APIs, or a program, job or module
  launcher given a computed value (see "Dynamic execution" below): a quoted value kept in a variable
  could reach one later.

Secrets are substituted into the script that is shown once and never stored; `Rendered` also carries
the copy (and the parameters) with every secret replaced by `<redacted>`, which is what gets stored.

Pure: no Django, no ORM, no requests. Tested with plain values and property-based tests.
"""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pygments.lexers import PowerShellLexer
from pygments.token import Comment, Error, Punctuation, String

from scripts.errors import InvalidParameters, InvalidSchema, InvalidTemplate

TYPES = (
    "string",
    "int",
    "bool",
    "choice",
    "email",
    "upn",
    "sam_account_name",
    "hostname",
    "ip",
    "ou_dn",
    "path",
    "secret",
)
TYPE_LABELS = {
    "string": "Text",
    "int": "Whole number",
    "bool": "Yes / no",
    "choice": "Choice",
    "email": "E-mail address",
    "upn": "User principal name",
    "sam_account_name": "Logon name (sAMAccountName)",
    "hostname": "Host name or IP address",
    "ip": "IP address",
    "ou_dn": "Distinguished name",
    "path": "Windows path",
    "secret": "Secret",
}
REDACTED = "<redacted>"
MAX_TEXT_LENGTH = 1024
MAX_SECRET_LENGTH = 256

# The five characters PowerShell reads as a single quote: ' ‘ ’ ‚ ‛
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
# ...and the three it reads as a double quote, and the three dashes it reads as '-'.
DOUBLE_QUOTES = '"\u201c\u201d\u201e'
DASHES = "\u2013\u2014\u2015"

PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")
# Anything that looks like a placeholder; those PLACEHOLDER does not match are typos.
PLACEHOLDER_LIKE = re.compile(r"\{\{[^{}\n]*\}\}")
KEY = re.compile(r"[a-z][a-z0-9_]{0,49}")
SCHEMA_FIELDS = {"key", "label", "type", "required", "default", "pattern", "choices", "help", "min", "max"}

_SINGLE_QUOTE = re.compile(f"[{SINGLE_QUOTES}]")
# Invisible or line-breaking characters: Cc (controls, incl. NUL, CR, LF, NEL), Cf (format: bidi overrides,
# zero-width), Zl/Zp (line and paragraph separators), Cs (lone surrogates).
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}


# ── The schema ──────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    type: str
    required: bool = False
    default: Any = None
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    min: int | None = None
    max: int | None = None

    @property
    def is_secret(self) -> bool:
        return self.type == "secret"

    @property
    def is_quoted(self) -> bool:
        """Is the value written as a single-quoted literal (every type but int and bool)?"""
        return self.type not in ("int", "bool")

    def as_dict(self) -> dict:
        data = {"key": self.key, "label": self.label, "type": self.type, "required": self.required}
        for name in ("default", "pattern", "help", "min", "max"):
            value = getattr(self, name)
            if value not in (None, ""):
                data[name] = value
        if self.choices:
            data["choices"] = list(self.choices)
        return data


def parse_schema(schema: Mapping | None) -> list[Parameter]:
    """The parameters of `{"parameters": [...]}`, checked; raises InvalidSchema listing every problem."""
    if schema is None:
        return []
    if not isinstance(schema, Mapping) or not isinstance(schema.get("parameters", []), list):
        raise InvalidSchema(['The schema is an object {"parameters": [...]}.'])
    unknown_top = sorted(set(schema) - {"parameters"})
    if unknown_top:
        raise InvalidSchema([f"Unknown schema field(s): {', '.join(unknown_top)}."])
    problems: list[str] = []
    parameters: list[Parameter] = []
    seen: set[str] = set()
    for index, item in enumerate(schema.get("parameters", [])):
        where = f"parameters[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: a parameter is an object with key, label and type.")
            continue
        key = item.get("key")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            problems.append(f"{where}: key must be lower_snake_case letters, digits and _ (got {key!r}).")
            continue
        where = f"parameter {key}"
        if key in seen:
            problems.append(f"{where}: the key is used twice.")
            continue
        seen.add(key)
        unknown = sorted(set(item) - SCHEMA_FIELDS)
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(unknown)}.")
        kind = item.get("type", "string")
        if kind not in TYPES:
            problems.append(f"{where}: type must be one of {', '.join(TYPES)} (got {kind!r}).")
            continue
        label = item.get("label") or key.replace("_", " ").capitalize()
        help_text = item.get("help") or ""
        required = item.get("required", False)
        if not isinstance(label, str) or not isinstance(help_text, str) or not isinstance(required, bool):
            problems.append(f"{where}: label and help are text, required is true or false.")
            continue
        pattern = item.get("pattern") or None
        if pattern is not None:
            if kind in ("int", "bool", "choice") or not isinstance(pattern, str):
                problems.append(f"{where}: a pattern applies to text types only.")
                pattern = None
            else:
                try:
                    re.compile(pattern)
                except re.error as error:
                    problems.append(f"{where}: the pattern is not a valid regular expression ({error}).")
                    pattern = None
        choices: tuple[str, ...] = ()
        if kind == "choice":
            raw_choices = item.get("choices")
            if (
                not isinstance(raw_choices, list)
                or not raw_choices
                or not all(isinstance(c, str) and c and not _refused_character(c) for c in raw_choices)
                or len(set(raw_choices)) != len(raw_choices)
            ):
                problems.append(f"{where}: a choice needs a list of distinct, non-empty choices.")
                continue
            choices = tuple(raw_choices)
        elif "choices" in item:
            problems.append(f"{where}: only a choice parameter has choices.")
        bounds = {}
        for bound in ("min", "max"):
            value = item.get(bound)
            if value is not None and (kind != "int" or not isinstance(value, int) or isinstance(value, bool)):
                problems.append(f"{where}: {bound} applies to int parameters and is a whole number.")
                value = None
            bounds[bound] = value
        parameter = Parameter(
            key=key,
            label=label,
            type=kind,
            required=required,
            pattern=pattern,
            choices=choices,
            help=help_text,
            **bounds,
        )
        default = item.get("default")
        if default not in (None, ""):
            if kind == "secret":
                problems.append(f"{where}: a secret cannot have a default.")
                continue
            try:
                default = clean_value(parameter, default)
            except ValueError as error:
                problems.append(f"{where}: the default is invalid: {error}")
                continue
            parameter = Parameter(**{**parameter.__dict__, "default": default})
        parameters.append(parameter)
    if problems:
        raise InvalidSchema(problems)
    return parameters


# ── Values ──────────────────────────────────────────────────────────────────────────────────────────

_EMAIL_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})+"
EMAIL = re.compile(rf"{_EMAIL_LOCAL}@{_DOMAIN}")
UPN = re.compile(rf"{_EMAIL_LOCAL}@{_LABEL}(?:\.{_LABEL})*")
HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
SAM_FORBIDDEN = set('"/\\[]:;|=,+*?<>@')
# A DN: RDNs OU=, CN= or DC= separated by commas; values with \-escapes (a special character or two hex digits).
_DN_VALUE = r'(?:[^,=+<>#;"\\]|\\[,=+<>#;"\\ ]|\\[0-9A-Fa-f]{2})(?:[^,=+<>;"\\]|\\[,=+<>#;"\\ ]|\\[0-9A-Fa-f]{2})*'
OU_DN = re.compile(rf"(?:(?:OU|CN|DC)={_DN_VALUE},)*DC={_DN_VALUE}", re.IGNORECASE)
_PATH_FORBIDDEN = set('<>"|?*')
WINDOWS_PATH = re.compile(r"(?:[A-Za-z]:[\\/]|\\\\[^\\/]+[\\/][^\\/]+)(?:.*)")

TYPE_HINTS = {
    "email": "Enter an e-mail address like jsmith@contoso.com.",
    "upn": "Enter a user principal name like jsmith@contoso.com.",
    "sam_account_name": (
        "Enter a logon name (sAMAccountName) like jsmith: at most 20 characters, "
        'none of " / \\ [ ] : ; | = , + * ? < > @.'
    ),
    "hostname": "Enter a host name (fs01 or fs01.contoso.local) or an IP address.",
    "ip": "Enter an IPv4 or IPv6 address like 10.0.0.5.",
    "ou_dn": "Enter a distinguished name like OU=Disabled Users,DC=contoso,DC=com.",
    "path": 'Enter a full Windows path like C:\\Temp or \\\\server\\share\\folder (none of < > " | ? *).',
}
TRUE_WORDS = {"true", "yes", "on", "1"}
FALSE_WORDS = {"false", "no", "off", "0"}


def _refused_character(text: str) -> bool:
    return any(unicodedata.category(c) in _REFUSED_CATEGORIES for c in text)


def is_missing(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def clean_value(parameter: Parameter, raw: Any) -> Any:
    """The value `raw` as the parameter's type (str, int or bool); ValueError with a message otherwise.

    `raw` is what a form, the API or a flow's pre-filled params hold: text, a number or true/false.
    Missing values are the caller's business (`validate_parameters`).
    """
    kind = parameter.type
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return raw.strip().lower() in TRUE_WORDS
        raise ValueError("Must be true or false.")
    if kind == "int":
        if isinstance(raw, bool):
            raise ValueError("Must be a whole number.")
        if isinstance(raw, int):
            number = raw
        elif isinstance(raw, str) and re.fullmatch(r"[+-]?[0-9]{1,18}", raw.strip()):
            number = int(raw.strip())
        else:
            raise ValueError("Must be a whole number.")
        if parameter.min is not None and number < parameter.min:
            raise ValueError(f"Must be at least {parameter.min}.")
        if parameter.max is not None and number > parameter.max:
            raise ValueError(f"Must be at most {parameter.max}.")
        return number
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValueError("Must be text.")
    text = str(raw)
    if _refused_character(text):
        raise ValueError("Line breaks, tabs and other control or invisible characters are not allowed.")
    if kind == "secret":
        if not text:
            raise ValueError("This parameter is required.")
        if len(text) > MAX_SECRET_LENGTH:
            raise ValueError(f"At most {MAX_SECRET_LENGTH} characters.")
        return text
    text = text.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"At most {MAX_TEXT_LENGTH} characters.")
    if kind == "choice":
        for choice in parameter.choices:
            if text.lower() == choice.lower():
                return choice
        raise ValueError(f"Must be one of: {', '.join(parameter.choices)}.")
    if kind == "email" and not (len(text) <= 254 and EMAIL.fullmatch(text)):
        raise ValueError(TYPE_HINTS["email"])
    if kind == "upn" and not (len(text) <= 256 and UPN.fullmatch(text)):
        raise ValueError(TYPE_HINTS["upn"])
    if kind == "sam_account_name" and not _is_sam_account_name(text):
        raise ValueError(TYPE_HINTS["sam_account_name"])
    if kind == "hostname":
        text = _hostname(text)
    if kind == "ip":
        try:
            text = str(ipaddress.ip_address(text))
        except ValueError:
            raise ValueError(TYPE_HINTS["ip"]) from None
    if kind == "ou_dn" and not (len(text) <= 1024 and OU_DN.fullmatch(text)):
        raise ValueError(TYPE_HINTS["ou_dn"])
    if kind == "path" and not (WINDOWS_PATH.fullmatch(text) and not set(text[2:]) & (_PATH_FORBIDDEN | {":"})):
        raise ValueError(TYPE_HINTS["path"])
    if parameter.pattern and not re.fullmatch(parameter.pattern, text):
        hint = f" {parameter.help}" if parameter.help else ""
        raise ValueError(f"Not in the expected format.{hint}")
    return text


def _is_sam_account_name(text: str) -> bool:
    return (
        0 < len(text) <= 20
        and not set(text) & SAM_FORBIDDEN
        and not text.endswith(".")
        and text.strip(". ") != ""
        and not _refused_character(text)
    )


def _hostname(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if len(text) <= 253 and HOSTNAME.fullmatch(text) and not text.replace(".", "").isdigit():
        return text
    raise ValueError(TYPE_HINTS["hostname"])


def validate_parameters(parameters: Sequence[Parameter], values: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter's clean value (None for a missing optional one); raises InvalidParameters.

    Keys not in the schema are ignored. A missing bool is its default, or false.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for parameter in parameters:
        raw = values.get(parameter.key)
        if is_missing(raw):
            if parameter.default is not None:
                cleaned[parameter.key] = parameter.default
            elif parameter.type == "bool":
                cleaned[parameter.key] = False
            elif parameter.required:
                errors[parameter.key] = "This parameter is required."
            else:
                cleaned[parameter.key] = None
            continue
        try:
            cleaned[parameter.key] = clean_value(parameter, raw)
        except ValueError as error:
            errors[parameter.key] = str(error)
    if errors:
        raise InvalidParameters(errors)
    return cleaned


# ── Quoting ─────────────────────────────────────────────────────────────────────────────────────────


def quote(text: str) -> str:
    """`text` as a PowerShell single-quoted literal: each of the five quote characters doubled.

    Refuses control and invisible characters: a line break in a literal is harmless to PowerShell but
    not to the person reading the script, and some consoles treat a pasted newline as Enter.
    """
    if _refused_character(text):
        raise ValueError("Line breaks, tabs and other control or invisible characters are not allowed.")
    return "'" + _SINGLE_QUOTE.sub(lambda match: match.group() * 2, text) + "'"


def literal(parameter: Parameter, value: Any) -> str:
    """The PowerShell source for a clean value: digits, $true / $false, $null, or a quoted literal."""
    if value is None:
        return "$null"
    if parameter.type == "bool":
        return "$true" if value else "$false"
    if parameter.type == "int":
        return str(value) if value >= 0 else f"({value})"
    return quote(value)


# ── Rendering ───────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Rendered:
    script: str  # shown once, never stored
    redacted_script: str  # every secret literal is '<redacted>': this one is stored and documented
    stored_parameters: dict[str, Any]  # the clean values, secrets as "<redacted>"


def render(body: str, schema: Mapping | None, values: Mapping[str, Any]) -> Rendered:
    """The script for `values`; raises InvalidParameters (per-field messages).

    Raises InvalidTemplate or InvalidSchema if the template itself is unsafe: a template is checked
    when saved, and again here (cached), so no path renders a body that failed the check.
    """
    parameters = checked_parameters(body, _schema_key(schema))
    cleaned = validate_parameters(parameters, values)
    by_key = {p.key: p for p in parameters}
    literals = {key: literal(by_key[key], value) for key, value in cleaned.items()}
    redacted = {
        key: (quote(REDACTED) if by_key[key].is_secret and cleaned[key] is not None else text)
        for key, text in literals.items()
    }
    stored = {
        key: (REDACTED if by_key[key].is_secret and value is not None else value) for key, value in cleaned.items()
    }
    return Rendered(substitute(body, literals), substitute(body, redacted), stored)


@dataclass(frozen=True)
class Preview:
    script: str  # the valid values substituted (secrets as '<redacted>'), the rest left as {{key}}
    errors: dict[str, str]  # invalid values
    missing: list[str]  # required parameters without a value


def render_preview(body: str, schema: Mapping | None, values: Mapping[str, Any]) -> Preview:
    """What the script will look like while the engineer types: never contains a secret."""
    parameters = checked_parameters(body, _schema_key(schema))
    literals: dict[str, str] = {}
    errors: dict[str, str] = {}
    missing: list[str] = []
    for parameter in parameters:
        try:
            value = validate_parameters([parameter], values)[parameter.key]
        except InvalidParameters as error:
            if is_missing(values.get(parameter.key)):
                missing.append(parameter.key)
            else:
                errors[parameter.key] = error.errors[parameter.key]
            continue
        if parameter.is_secret and value is not None:
            literals[parameter.key] = quote(REDACTED)
        else:
            literals[parameter.key] = literal(parameter, value)
    return Preview(substitute(body, literals), errors, missing)


def substitute(body: str, literals: Mapping[str, str]) -> str:
    """Each `{{key}}` of `literals` replaced in one pass (a value is never scanned for placeholders)."""
    return PLACEHOLDER.sub(lambda match: literals.get(match.group(1), match.group()), body)


def placeholders(body: str) -> list[str]:
    """The keys the body names, in order of first use."""
    return list(dict.fromkeys(PLACEHOLDER.findall(body)))


def _schema_key(schema: Mapping | None) -> str:
    return json.dumps(schema or {}, sort_keys=True)


@lru_cache(maxsize=512)
def checked_parameters(body: str, schema_json: str) -> tuple[Parameter, ...]:
    """The schema's parameters once the body has passed `check_template` (cached per body and schema)."""
    schema = json.loads(schema_json)
    check_template(body, schema)
    return tuple(parse_schema(schema))


# ── The saved-template check ────────────────────────────────────────────────────────────────────────

_LEXER = PowerShellLexer()
# What PowerShell reads the way Pygments reads ASCII: typographic quotes and dashes, one for one.
_AS_POWERSHELL_READS = str.maketrans(
    {**{c: "'" for c in SINGLE_QUOTES[1:]}, **{c: '"' for c in DOUBLE_QUOTES[1:]}, **{c: "-" for c in DASHES}}
)
# Characters that may stand right before / after a placeholder: it must be a whole argument or expression.
_BEFORE_OK = set(" \t\n(,=;{[|")
_AFTER_OK = set(" \t\n),;}]|")
_PARAMETER_COLON = re.compile(r"(?:^|[\s(])-[A-Za-z_][A-Za-z0-9_]*:$")
# Places where PowerShell (or cmd.exe) runs a value as a command or code: the call and dot-source
# operators, Invoke-Expression, -Command / -EncodedCommand, cmd /c, [scriptblock]::Create(...).
_RUNS_CODE_BEFORE = re.compile(
    r"(?<![^\s;|(){}=])(?:&|\.|iex|invoke-expression|-command|-encodedcommand|-c|-ec|/c|/k|\[\s*scriptblock\s*\]::create)"
    r"[\s:(]*$",
    re.IGNORECASE,
)
_HERE_STRING_OPENER_WITH_TRAILING_SPACE = re.compile(r"@[\"'][ \t]+$", re.MULTILINE)
_BIDI_OR_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def check_template(body: str, schema: Mapping | None) -> None:
    """Refuse a body whose placeholders a quoted literal would not protect, or that uses a dynamic-execution
    sink anywhere; raises InvalidTemplate.

    Problems are listed with their line numbers. Also raises InvalidSchema for a broken schema.
    """
    parameters = parse_schema(schema)
    keys = {p.key for p in parameters}
    problems: list[str] = []
    if "\r" in body:
        problems.append("Use Unix line endings (the body contains a carriage return).")
    if "\x00" in body or _BIDI_OR_INVISIBLE.search(body):
        problems.append("The body contains NUL or invisible (zero-width, bidirectional) characters.")
    line = _LineNumbers(body)
    for match in _HERE_STRING_OPENER_WITH_TRAILING_SPACE.finditer(body):
        problems.append(f"Line {line(match.start())}: remove the spaces after the here-string's @\" or @'.")
    for match in PLACEHOLDER_LIKE.finditer(body):
        if not PLACEHOLDER.fullmatch(match.group()):
            problems.append(f"Line {line(match.start())}: {match.group()} is not a placeholder: use {{{{key}}}}.")
    first_use: dict[str, int] = {}
    for match in PLACEHOLDER.finditer(body):
        first_use.setdefault(match.group(1), match.start())
    for key, offset in first_use.items():
        if key not in keys:
            problems.append(f"Line {line(offset)}: {{{{{key}}}}} is not in the parameters.")
    for key in sorted(keys - set(first_use)):
        problems.append(f"Parameter {key} is not used in the body.")
    problems.extend(_placement_problems(body, line))
    problems.extend(_dynamic_execution_problems(body))
    if problems:
        raise InvalidTemplate(problems)


class _LineNumbers:
    """`line(offset)`: the 1-based line of an offset in `text`, by bisection over its newlines, so that
    numbering every problem of a large body stays linear."""

    def __init__(self, text: str):
        self._newlines = [match.start() for match in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect_left(self._newlines, offset) + 1


def _placement_problems(body: str, line: _LineNumbers) -> list[str]:
    """Each placeholder must lex as exactly one single-quoted string, outside any string or comment.

    Linear in the body: the lexed text is built in one pass, and each placeholder looks only at the
    tokens that cover it and the text since the previous placeholder.
    """
    spans = [(m.start(), m.end(), m.group()) for m in PLACEHOLDER.finditer(body)]
    if not spans:
        return []
    # Lex the body as PowerShell will read it, each placeholder replaced by a single-quoted literal of
    # the same length ('xxx'), so offsets line up and the lexer sees what a rendered script looks like.
    read = body.translate(_AS_POWERSHELL_READS)
    pieces, previous_end = [], 0
    for start, end, _ in spans:
        pieces += [read[previous_end:start], "'" + "x" * (end - start - 2) + "'"]
        previous_end = end
    text = "".join([*pieces, read[previous_end:]])
    tokens = list(_LEXER.get_tokens_unprocessed(text))
    token_starts = [index for index, _, _ in tokens]
    contexts = _string_contexts(tokens)
    problems = [
        f"Line {line(index)}: PowerShell would not parse {value!r} here (an unbalanced quote?)."
        for index, kind, value in tokens
        if kind in Error
    ]
    previous_end = 0
    for start, end, name in spans:
        where = f"Line {line(start)}: {name}"
        covering = _covering(tokens, token_starts, start, end)
        context = contexts.get(start)
        if any(t in Comment for _, t, _ in covering):
            problems.append(f"{where} is inside a comment.")
        elif any(t in String.Heredoc for _, t, _ in covering) or context == "here-string":
            problems.append(f"{where} is inside a here-string, where a quoted value would not protect it.")
        elif any(t in String.Double or t in String.Escape for _, t, _ in covering) or context == "string":
            problems.append(f"{where} is inside a double-quoted string, where a quoted value would not protect it.")
        elif not (
            len(covering) == 1
            and covering[0][1] in String.Single
            and covering[0][0] == start
            and len(covering[0][2]) == end - start
        ):
            problems.append(f"{where} is inside a single-quoted string or glued to other text.")
        elif not _stands_alone(text, start, end):
            problems.append(f"{where} must be a whole argument: put spaces around it (e.g. -Name {name}).")
        elif _runs_as_code(text, start, previous_end):
            problems.append(f"{where} would be run as code: a parameter is data, never a command.")
        previous_end = end
    return problems


def _covering(tokens: list, token_starts: list[int], start: int, end: int) -> list:
    """The tokens overlapping [start, end): the lexer's tokens are contiguous, in order."""
    first = max(bisect_right(token_starts, start) - 1, 0)
    last = bisect_left(token_starts, end)
    return [token for token in tokens[first:last] if token[0] + len(token[2]) > start]


def _string_contexts(tokens) -> dict[int, str]:
    """For each String.Single token's offset, the double-quoted string or here-string around it, if any.

    Pygments lexes `"...$( ... )..."` as a string with code inside; a literal in that code is still
    inside the string. This replays the lexer's states from its tokens to know.
    """
    # Each entry: (state, the innermost string or here-string at or below it), so the enclosing string of
    # a literal is read in constant time however deep the code nesting.
    stack: list[tuple[str, str | None]] = []
    contexts: dict[int, str] = {}

    def push(state: str) -> None:
        stack.append((state, state if state != "code" else (stack[-1][1] if stack else None)))

    for index, kind, value in tokens:
        top = stack[-1][0] if stack else None
        if kind in String.Double and value == '"':
            if top == "string":
                stack.pop()
            else:
                push("string")
        elif kind in String.Heredoc and value == '@"\n':
            push("here-string")
        elif kind in String.Heredoc and value == '\n"@':
            if top == "here-string":
                stack.pop()
        elif kind in Punctuation and value in ("(", "$("):
            push("code")
        elif kind in Punctuation and value == ")" and top == "code":
            stack.pop()
        elif kind in String.Single:
            enclosing = stack[-1][1] if stack else None
            if enclosing:
                contexts[index] = enclosing
    return contexts


def _stands_alone(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else "\n"
    after = text[end] if end < len(text) else "\n"
    if after not in _AFTER_OK:
        return False
    if before in _BEFORE_OK:
        return True
    # -Parameter:{{value}} is PowerShell's way to bind a value to a parameter (needed for switches).
    return before == ":" and bool(_PARAMETER_COLON.search(text[max(0, start - 80) : start]))


def _runs_as_code(text: str, start: int, since: int) -> bool:
    """Whether an operator that runs code stands before `start` on its line. The search starts at the
    previous placeholder's end (`since`) when that is on the same line: a match cannot span a placeholder,
    and its lookbehind still sees the character before."""
    line_start = text.rfind("\n", since, start) + 1 or since
    return bool(_RUNS_CODE_BEFORE.search(text, max(line_start, since), start))


# ── Dynamic execution ───────────────────────────────────────────────────────────────────────────────
# A placeholder is quoted, but a script can still turn a quoted value into code later: `$v = {{x}}`, then
# `Invoke-Expression $v`. Following values through variables is a losing game, so a body may not use a
# dynamic-execution sink at all, wherever it stands (comments aside). Names are matched as PowerShell
# reads them: case-insensitive, backtick escapes and line continuations removed, typographic dashes as
# '-'. Names that can hide in a string (`& 'iex'`, `[type]'ScriptBlock'`) are looked for in strings too.
#
# The sinks come in classes, each refused whole rather than by example:
# - text turned into code: Invoke-Expression, [ScriptBlock], the parser, $ExecutionContext and what it
#   reaches (InvokeCommand, SessionState), Add-Type, assembly loading;
# - the PowerShell and runspace APIs, which run whatever command or script they are handed;
# - new command names: the function: and alias: drives and the alias cmdlets (a function or alias bound to
#   a value, or to Invoke-Expression under another name, runs it when called);
# - names chosen at run time: a command (`& $x`, `. ('a'+'b')`), a member (`$o.$name()`, `$t::Create`,
#   reflection), a type or COM ProgID (New-Object), a variable (Get-Variable), a module or item to open;
# - program and job launchers: command interpreters, wmic, schtasks, at, forfiles, psexec, jobs and
#   scheduled tasks, Start-Process given a computed value, COM objects known to run commands.

_INTERPRETERS = ("cmd", "powershell", "pwsh", "wscript", "cscript", "mshta", "bash", "wsl")
_SHELL_PROGIDS = (
    r"wscript\.shell|shell\.application|win32_process|win32_scheduledjob|mmc20\.application|schedule\.service"
    r"|wbemscripting\.swbemlocator|msscriptcontrol\.scriptcontrol|internetexplorer\.application|shell\.explorer"
    r"|shellbrowserwindow|shellwindows|htmlfile|(?:excel|word|outlook|visio)\.application"
    r"|commandlineeventconsumer|activescripteventconsumer|wmiclass|managementclass"
)
_SINKS_ANYWHERE = [
    (re.compile(pattern, re.IGNORECASE), what)
    for pattern, what in [
        (r"(?<![\w$.-])(?:iex|invoke-expression)(?![\w-])", "Invoke-Expression runs text as code"),
        (r"(?<![\w-])(?:invokescript|newscriptblock|addscript)(?![\w-])", "{name} runs text as code"),
        (r"(?<![\w-])\$?\{?executioncontext(?![\w-])", "$ExecutionContext can run text as code"),
        (r"(?<![\w-])(?:invokecommand|sessionstate)(?![\w-])", "{name} reaches the engine's command runner"),
        (r"(?<![\w$-])(?:system\.management\.automation\.)?scriptblock(?![\w-])", "[ScriptBlock] turns text into code"),
        (r"(?<![\w-])(?:getscriptblock|parseinput|parsefile)(?![\w-])", "{name} turns text into code"),
        (r"(?<![\w$.-])add-type(?![\w-])", "Add-Type compiles and loads code"),
        (
            r"\[\s*(?:system\.)?type\s*(?:\[\s*\]\s*)?\]|typeinfo\s*\]",
            "[type] finds a type by its name in text (such as ScriptBlock)",
        ),
        (r"assembly\s*\]\s*::\s*(?:load\w*|unsafeloadfrom)(?![\w-])", "loading an assembly runs its code"),
        (r"process\s*\]\s*::\s*start(?![\w-])", "[Diagnostics.Process]::Start runs a program"),
        (
            r"(?<![\w-])(?:diagnostics\.process(?:startinfo)?|processstartinfo)(?![\w-])|\[\s*wmi\s*\]",
            "{name} starts programs",
        ),
        (r"(?<![\w-])binpath\s*=", "sc.exe binPath= runs a program as a service"),
        (
            r"currentversion\\run(?:once|services)?(?![\w-])|image file execution options",
            "the Run keys and Image File Execution Options start programs",
        ),
        (rf"(?<![\w-])(?:{_SHELL_PROGIDS})(?![\w-])", "{name} runs commands"),
        (
            r"\[\s*(?:system\.management\.automation\.)?powershell\s*\]|management\.automation\.powershell(?![\w-])",
            "the PowerShell API runs the commands and scripts it is handed",
        ),
        (
            r"(?<![\w-])(?:runspace\w*|createpipeline|createnestedpipeline|addcommand|addstatement)(?![\w-])",
            "{name} runs the commands and scripts it is handed",
        ),
        (
            r"(?<![\w-])(?:invokemember|getmethods?|getmembers?|getconstructors?|createdelegate|getdelegateforfunctionpointer"
            r"|declared(?:methods|members|constructors)|getruntimemethods?|gettypeinfo)(?![\w-])"
            r"|psobject\s*\.\s*(?:methods|members)(?![\w-])",
            "reflection ({name}) calls a member chosen at run time",
        ),
        (r"activator\s*\]", "[Activator] creates a type chosen at run time"),
        (
            r"(?:interaction\s*\]\s*::\s*(?:shell|createobject|getobject|callbyname)"
            r"|marshal\s*\]\s*::\s*(?:getactiveobject|bindtomoniker))(?![\w-])",
            "the VisualBasic Interaction and Marshal helpers run a program or a COM object named in text",
        ),
        # A drive path in a string: 'function:run', 'Alias:\run', 'Function::run'. Prose ("helper function:
        # x") has a space on both sides of the word and its colon.
        (
            r"(?<![\w-])(?:function|alias):(?=\S)|(?<![\w\s-])(?:function|alias):",
            "the function: and alias: drives define commands",
        ),
    ]
]
_MEMBER = r"(?<=[\w\])}'\"\ue001?])(?:\.|::)"
_CODE_SINKS = [  # searched in `code`, where strings are blanked: syntax, not names
    (re.compile(pattern, re.IGNORECASE | re.MULTILINE), what)
    for pattern, what in [
        (
            r"(?<!&)&(?!&)[ \t]*[$(@\[\"']|(?:^|(?<=[\s;|{(=&]))\.[ \t]*[$(@\[\"']",
            "& or . calls a command computed at run time (call a program by its bare path)",
        ),
        (rf"{_MEMBER}(?=[$(\"@])", "a member named at run time ($object.$name, .(...)) can call any method"),
        (r"(?<![\]\s])::", "a static member of a type computed at run time can call any method"),
        (r"\.gettype\s*\(\s*[^)\s]", "GetType(name) finds a type by its name in text"),
        (r"\.foreach\s*\(\s*(?:[$(\"@]|'\ue000)", ".ForEach(name) calls the member its argument names"),
        (r"(?<![\w-])(?:function|alias):", "the function: and alias: drives define commands"),
    ]
]


def _commands(what: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, what)


# Commands refused wherever they are called (by a bare name, a path or a module-qualified name).
_REFUSED_COMMANDS = {
    **_commands("{word} runs its arguments as commands", *_INTERPRETERS),
    **_commands(
        "{word} defines an alias, a new name for any command",
        *("set-alias", "new-alias", "sal", "nal", "import-alias", "ipal"),
    ),
    **_commands(
        "{word} starts a program or a script",
        *("wmic", "schtasks", "at", "forfiles", "psexec", "psexec64", "paexec", "runas", "rundll32", "regsvr32"),
        *("msbuild", "installutil", "regasm", "regsvcs", "cmstp"),
    ),
    **_commands(
        "{word} runs a script block or a script file as a job or a scheduled task",
        *("start-job", "sajb", "start-threadjob", "register-scheduledjob", "register-scheduledtask"),
        *("new-scheduledtaskaction", "set-scheduledtask", "new-jobtrigger"),
    ),
    **_commands("{word} runs commands on another computer or a configuration script", "winrs", "invoke-dscresource"),
}


@dataclass(frozen=True)
class _LiteralArguments:
    """A command whose arguments name what it runs, creates or opens: those must be literals in the body.

    `parameters` matches the (possibly abbreviated) parameter names that must be given a literal, and
    `positions` the positional arguments; None means every argument. `when`: only if the command is given
    such a parameter. `forbidden`: literals refused too. `piped`: a value piped into it is refused as well.
    """

    what: str
    parameters: re.Pattern | None = None
    positions: tuple[int, ...] | None = None
    when: re.Pattern | None = None
    forbidden: re.Pattern | None = None
    piped: bool = False


_LITERAL_ARGUMENT_COMMANDS = {
    **_commands(
        _LiteralArguments(
            "{word} given a computed value or a parameter (it loads or opens what that names)", piped=True
        ),
        *("import-module", "ipmo", "invoke-item", "ii", "msiexec", "explorer"),
    ),
    **_commands(
        _LiteralArguments(
            "{word} given a computed class or method, or a Create, Install or Change method (they start programs)",
            parameters=re.compile(r"cl\w*|m\w*|name|q\w*|pa\w*", re.IGNORECASE),
            positions=(0, 1),
            forbidden=re.compile(r"create|install|change", re.IGNORECASE),
        ),
        *("invoke-cimmethod", "invoke-wmimethod", "iwmi"),
    ),
    **_commands(
        _LiteralArguments(
            "New-Object given a computed type or COM ProgID",
            parameters=re.compile(r"t\w*|c\w*", re.IGNORECASE),
            positions=(0,),
        ),
        "new-object",
    ),
    **_commands(
        _LiteralArguments(
            "Get-Variable given a computed name (it reaches any variable, such as $ExecutionContext)",
            parameters=re.compile(r"n\w*", re.IGNORECASE),
            positions=(0,),
            piped=True,
        ),
        "get-variable",
        "gv",
    ),
    **_commands(
        _LiteralArguments(
            "New-Service given a computed program (-BinaryPathName)",
            parameters=re.compile(r"b\w*", re.IGNORECASE),
            positions=(1,),
        ),
        "new-service",
    ),
    **_commands(
        _LiteralArguments(
            "{word} given a computed path (function: and alias: paths define commands)",
            parameters=re.compile(r"p\w*|l\w*", re.IGNORECASE),
            positions=(0,),
            piped=True,
        ),
        "set-item",
        "si",
    ),
    **_commands(
        _LiteralArguments(
            "{word} given a computed location (a relative path after it could be on function: or alias:)",
            parameters=re.compile(r"p\w*|l\w*", re.IGNORECASE),
            positions=(0,),
            piped=True,
        ),
        *("set-location", "sl", "cd", "chdir", "push-location", "pushd"),
    ),
    **_commands(
        _LiteralArguments(
            "{word} -Value given a computed path (function: and alias: paths define commands)",
            parameters=re.compile(r"p\w*|n\w*|l\w*", re.IGNORECASE),
            positions=(0,),
            when=re.compile(r"va\w*", re.IGNORECASE),
            piped=True,
        ),
        "new-item",
        "ni",
    ),
    **_commands(
        _LiteralArguments(
            "{word} given a computed member name (it calls the member its argument names)",
            parameters=re.compile(r"m\w*", re.IGNORECASE),
            positions=(0,),
        ),
        "foreach-object",
        "%",
        "foreach",
    ),
    **_commands(
        _LiteralArguments(
            "{word} onto a computed provider or the function or alias provider",
            parameters=re.compile(r"ps\w*", re.IGNORECASE),
            positions=(1,),
            forbidden=re.compile(r"(?:.*\\)?(?:function|alias)", re.IGNORECASE),
        ),
        "new-psdrive",
        "ndr",
        "mount",
    ),
}
# Parameters of those commands that take no value, so the argument after them is positional.
_SWITCHES = {
    *("force", "passthru", "strict", "global", "verbose", "debug", "whatif", "confirm", "noclobber", "recurse"),
    *("disablenamechecking", "ascustomobject", "persist", "valueonly", "skipeditioncheck", "usewindowspowershell"),
}
# A command word: at the start of a statement, of a pipeline element, of a block or parenthesis, after an
# assignment, & or ., or after return / throw / exit (which take a pipeline).
_COMMAND_WORD = re.compile(
    r"(?:^|([;|{(=&]))[ \t]*(?:(?:return|throw|exit)[ \t]+)?(?:\.[ \t]+)?([^\s(){};|&=,'\"]+)",
    re.MULTILINE | re.IGNORECASE,
)
_STATEMENT_END = re.compile(r"[;|\n]")
_START_PROCESS = re.compile(r"(?<![\w$.-])(?:start-process|saps|start)(?![\w-])", re.IGNORECASE)
_INTERPRETER = re.compile(rf"(?<![\w$-])(?:{'|'.join(_INTERPRETERS)})(?:\.exe)?(?![\w-])", re.IGNORECASE)
_INVOKE_COMMAND = re.compile(r"(?<![\w$.-])(?:invoke-command|icm)(?![\w-])", re.IGNORECASE)
# -ScriptBlock (Invoke-Command takes any prefix from -sc) given anything but a literal { ... }.
_SCRIPT_BLOCK_FROM_VALUE = re.compile(r"(?<![\w-])-(?:scriptblock|sc\w*)(?:[ \t]*:[ \t]*|[ \t]+)(?=[^\s{])", re.I)
_FULL_SCRIPT_BLOCK_FROM_VALUE = re.compile(r"(?<![\w-])-scriptblock(?:[ \t]*:[ \t]*|[ \t]+)(?=[^\s{])", re.I)
_FILE_PATH = re.compile(r"(?<![\w-])-f\w*(?![\w-])", re.IGNORECASE)
_STRING_TEXT, _PLACEHOLDER_TEXT = "\ue001", "\ue000"  # what strings and placeholders hold in the code view
_PARAMETER = re.compile(r"-([A-Za-z_][\w-]*)(:?)")
_BARE_LITERAL = re.compile(r"[^\s$()@\"'{}\[\]`\ue000\ue001][^\s$()@\"'{}`\ue000\ue001]*")
_QUOTED_LITERAL = re.compile(f"'{_STRING_TEXT}*'")
_CONSTANT = re.compile(r"\$(?:true|false|null)", re.IGNORECASE)
_SCRIPT_FILE = re.compile(r"\.(?:ps1|psm1|bat|cmd|vbs|vbe|js|jse|wsf|wsh|hta)(?![\w.-])", re.IGNORECASE)


def _dynamic_execution_problems(body: str) -> list[str]:
    """Every use of a dynamic-execution sink in the body, one problem per sink and line."""
    plain, code, origins = _execution_views(body)
    newlines = [match.start() for match in re.finditer("\n", body)]
    found: dict[tuple[int, str], None] = {}

    def report(offset: int, what: str) -> None:
        index = bisect_right(origins, (offset, len(body))) - 1
        view_start, body_start = origins[index]
        line = bisect_left(newlines, body_start + (offset - view_start)) + 1
        found.setdefault((line, what), None)

    for pattern, what in _SINKS_ANYWHERE:
        for match in pattern.finditer(plain):
            report(match.start(), what.format(name=match.group()))
    for pattern, what in _CODE_SINKS:
        for match in pattern.finditer(code):
            report(match.start(), what)
    statement_ends = [match.start() for match in _STATEMENT_END.finditer(code)] + [len(code)]
    closing = _closing_brackets(code)
    for match in _COMMAND_WORD.finditer(code):
        word = match.group(2)
        name = re.split(r"[\\/]", word)[-1].lower().removesuffix(".exe")
        if name in _REFUSED_COMMANDS:
            report(match.start(2), _REFUSED_COMMANDS[name].format(word=word))
        elif _SCRIPT_FILE.search(name):
            report(match.start(2), f"{word} runs a script file, whose content is not part of the template")
        rule = _LITERAL_ARGUMENT_COMMANDS.get(name)
        piped = match.group(1) == "|"
        if rule is None or (name == "foreach" and not piped):  # foreach is ForEach-Object only in a pipeline
            continue
        end = statement_ends[bisect_left(statement_ends, match.end(2))]
        if (rule.piped and piped) or not _arguments_are_literal(rule, plain, code, closing, match.end(2), end):
            report(match.start(2), rule.what.format(word=word))
    start = 0
    for end in statement_ends:
        _statement_problems(plain, code, start, end, report)
        start = end + 1
    return [f"Line {line}: {what}: a template may not run code it builds." for line, what in found]


def _closing_brackets(code: str) -> dict[int, int]:
    """For each opening bracket of the code view, the offset of the bracket that closes it, in one pass."""
    closing: dict[int, int] = {}
    opened: list[int] = []
    for match in re.finditer(r"[(\[{]|[)\]}]", code):
        if match.group() in "([{":
            opened.append(match.start())
        elif opened:
            closing[opened.pop()] = match.start()
    return closing


def _arguments(code: str, closing: dict[int, int], start: int, end: int):
    """The command's arguments between `start` and the statement's `end`, as (start, end) offsets: split at
    blanks and commas outside brackets, ending at a bracket that closes around the command. Linear: a
    bracketed group is skipped to its closing bracket."""
    index, token_start = start, None
    while index < end:
        char = code[index]
        if char in " \t,":
            if token_start is not None:
                yield token_start, index
                token_start = None
            index += 1
            continue
        if char in ")]}":
            break
        if token_start is None:
            token_start = index
        index = closing.get(index, end - 1) + 1 if char in "([{" else index + 1
    if token_start is not None:
        yield token_start, min(index, end)


def _arguments_are_literal(rule: _LiteralArguments, plain: str, code: str, closing, start: int, end: int) -> bool:
    """Whether every argument the rule names is a literal (a bare word, a '...' string that is not a
    placeholder, $true / $false / $null or a literal { script block }), and not a forbidden one."""
    tokens = list(_arguments(code, closing, start, end))
    checked: list[tuple[int, int]] = []
    positional, given, index = 0, set(), 0
    while index < len(tokens):
        token_start, token_end = tokens[index]
        parameter = _PARAMETER.match(code, token_start, token_end)
        index += 1
        if parameter and (parameter.end() == token_end or parameter.group(2)):
            name = parameter.group(1).lower()
            given.add(name)
            value = None
            if parameter.group(2) and parameter.end() < token_end:
                value = (parameter.end(), token_end)
            elif name not in _SWITCHES and index < len(tokens) and not code.startswith("-", tokens[index][0]):
                value = tokens[index]
                index += 1
            if value and (rule.parameters is None or rule.parameters.fullmatch(name)):
                checked.append(value)
            continue
        if rule.positions is None or positional in rule.positions:
            checked.append((token_start, token_end))
        positional += 1
    if rule.when and not any(rule.when.fullmatch(name) for name in given):
        return True
    for token_start, token_end in checked:
        text = code[token_start:token_end]
        if not (
            _BARE_LITERAL.fullmatch(text)
            or _QUOTED_LITERAL.fullmatch(text)
            or _CONSTANT.fullmatch(text)
            or (text.startswith("{") and closing.get(token_start) == token_end - 1)
        ):
            return False
        if rule.forbidden and rule.forbidden.fullmatch(plain[token_start:token_end].strip("'")):
            return False
    return True


def _statement_problems(plain: str, code: str, start: int, end: int, report) -> None:
    statement = code[start:end]
    launch = _START_PROCESS.search(statement)
    if launch:
        rest = statement[launch.end() :]
        if _INTERPRETER.search(plain, start + launch.end(), end):
            report(start + launch.start(), "Start-Process runs a command interpreter")
        elif _SCRIPT_FILE.search(plain, start + launch.end(), end):
            report(
                start + launch.start(), "Start-Process runs a script file, whose content is not part of the template"
            )
        elif _PLACEHOLDER_TEXT in rest or any(c in rest for c in "$@("):
            report(
                start + launch.start(),
                "Start-Process with a parameter or a computed value (it passes arguments unquoted)",
            )
    invoke = _INVOKE_COMMAND.search(statement)
    argument = (_SCRIPT_BLOCK_FROM_VALUE if invoke else _FULL_SCRIPT_BLOCK_FROM_VALUE).search(statement)
    if argument:
        report(start + argument.start(), "-ScriptBlock given a value instead of a literal { ... }")
    if invoke and _FILE_PATH.search(statement, invoke.end()):
        report(start + invoke.start(), "Invoke-Command -FilePath runs a script file")


def _execution_views(body: str) -> tuple[str, str, list[tuple[int, int]]]:
    """Two views of the body as PowerShell reads it, of equal length, without comments, backticks and line
    continuations: `plain` keeps the strings' text, `code` replaces it (placeholders by _PLACEHOLDER_TEXT,
    other strings by _STRING_TEXT, their quotes kept). `origins` maps view offsets to body offsets:
    sorted (view offset, body offset) pairs, one per lexer token."""
    spans = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(body)]
    read = body.translate(_AS_POWERSHELL_READS)
    pieces, previous_end = [], 0
    for start, end in spans:
        pieces += [read[previous_end:start], "'" + "x" * (end - start - 2) + "'"]
        previous_end = end
    text = "".join([*pieces, read[previous_end:]])
    placeholder_starts = {start for start, _ in spans}
    plain: list[str] = []
    code: list[str] = []
    origins: list[tuple[int, int]] = []
    length = 0
    continuation = False
    for index, kind, value in _LEXER.get_tokens_unprocessed(text):
        if continuation and value.startswith("\n"):
            value = " " + value[1:]
        continuation = kind in Punctuation and value == "`"
        if kind in Comment:
            shown = re.sub(r"[^\n]", " ", value)
            as_code = shown
        else:
            shown = value.replace("`", "")
            if kind in String:
                as_code = _string_as_code(kind, shown, is_placeholder=index in placeholder_starts)
            else:
                as_code = shown
        origins.append((length, index))
        plain.append(shown)
        code.append(as_code)
        length += len(shown)
    return "".join(plain), "".join(code), origins


def _string_as_code(kind, value: str, *, is_placeholder: bool) -> str:
    if kind in String.Single and len(value) >= 2:  # a whole '...' literal
        filler = _PLACEHOLDER_TEXT if is_placeholder else _STRING_TEXT
        return value[0] + filler * (len(value) - 2) + value[-1]
    if value in ('"', '@"\n', '\n"@', "@'\n", "\n'@"):  # delimiters
        return value
    return _STRING_TEXT * len(value)


__all__ = [
    "DASHES",
    "DOUBLE_QUOTES",
    "REDACTED",
    "SINGLE_QUOTES",
    "TYPES",
    "TYPE_LABELS",
    "InvalidParameters",
    "InvalidSchema",
    "InvalidTemplate",
    "Parameter",
    "Preview",
    "Rendered",
    "check_template",
    "checked_parameters",
    "clean_value",
    "literal",
    "parse_schema",
    "placeholders",
    "quote",
    "render",
    "render_preview",
    "substitute",
    "validate_parameters",
]
