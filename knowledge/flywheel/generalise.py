"""Client specifics become role words when the flywheel builds a proposal from one client's session.

A session is one client's ticket; a flow is the team's knowledge. `Generaliser` rewrites every text of a
proposal (title, description, match keywords, each node's text and label, the diff) so that computer and
server names, IP addresses, e-mail addresses and UPNs, `DOMAIN\\user`, the user segment of
`C:\\Users\\<name>`, UNC paths, ticket numbers and the names the account knows (its clients, the companies
of linked PSA tickets, the people in the session, the admins' term list) read as roles: "the file server",
"the user", "the client". Names nobody listed are caught by pattern ("at Harbour Dental", "Sarah's").
Public product and vendor names stay. It records every replacement (field, original, role word) so a
reviewer can put a term back.

`title()` makes a proposal's title: generalised, without places and times, at most TITLE_LIMIT characters
cut at a clause boundary, never with an ellipsis. A pure module: plain values in, plain values out.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache


def _words(text: str) -> frozenset:
    return frozenset(text.split())


TITLE_LIMIT = 80
CLIENT = "the client"
USER = "the user"
TICKET = "the ticket"
IP_ADDRESS = "the IP address"
COMPUTER = "the computer"

# Public product and vendor names an "at <Name>" or a possessive must not swallow.
PUBLIC_NAMES = _words(
    """
    microsoft windows office outlook teams exchange sharepoint onedrive azure entra intune defender
    autodesk revit autocad sage quickbooks xero adobe acrobat google chrome gmail apple macos iphone
    ipad mac dell hp lenovo yealink poly cisco meraki fortinet fortigate forticlient sophos ubiquiti
    unifi veeam datto synology qnap vmware hyper-v citrix zoom slack dropbox mimecast sonicwall
    watchguard paloalto globalprotect ricoh canon kyocera brother epson konica xerox sharp samsung
    logitech jabra intel nvidia amd bitlocker laps docusign mcafee norton eset webroot bitdefender
    connectwise halopsa autotask ninjaone n-able kaseya screenconnect teamviewer anydesk wordpress
    linux ubuntu android edge firefox word excel powerpoint access visio project powershell
    """
)
# Capitalised words that start a sentence or name a thing, not a client ("at Startup", "at Logon").
COMMON_WORDS = _words(
    """
    the a an this that these those each every all any some no my our your his her their its
    startup logon login logoff boot shutdown sign-in signin home work night lunch first last least least
    times once random monday tuesday wednesday thursday friday saturday sunday reception head office
    site branch desk floor bay room level building user users client customer server pc laptop
    i we he she they it you when after before since during while and or but if then also still
    """
)

# Common first names (unambiguous ones: no "Mark", "Will", "Grace", "May"): "for Anna", "Priya Shah's".
FIRST_NAMES = _words(
    """
    aaron abbie abdul adam adrian aisha alan albert alex alexander alfie alice alison amanda amber amelia amy
    andrew andy angela anita ann anna anne anthony archie arthur ashley barbara ben benjamin beth bethany
    bob brian callum carl carol caroline catherine charlie charlotte chloe chris christine claire colin
    connor craig dan daniel danielle darren dave david dean debbie deborah denise derek diane donna
    dylan eddie edward eleanor elizabeth ella ellie emily emma eric ethan fatima fiona frances freddie
    gareth gary gavin gemma george georgia gillian graham hannah harry harvey heather helen henry holly
    ian imran isaac isabella isla jack jacob jade james jamie jane janet jasmine jason jennifer jenny
    jessica joanne joe joel john jon jonathan jordan joseph josh joshua julie karen kate katie kayleigh
    keith kelly kevin kieran kim kirsty laura lauren leah lee leo lewis liam linda lisa liz logan louise
    lucy luke lydia lynn maria marie martin mary matt matthew megan melissa michael michelle mike
    mohammed mohammad muhammad natalie nathan neil nicholas nick nicola nina oliver olivia oscar owen
    patrick paul paula peter phil philip priya rachel raj rebecca richard rob robert ryan sam samantha
    sandra sara sarah scott sean shaun sharon simon sophie stephen steve steven stuart susan tanya
    thomas tim tom tony tracy vicky victoria wayne zoe
    """
)
_PERSON = re.compile(r"\b([A-Z][a-z]{2,})(?:\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?))?\b")

_ROLE_OF_HOST = (
    (re.compile(r"SQL|DB\d*$"), "the SQL server"),
    (re.compile(r"^DC\d*$|ADDS|^AD\d+$"), "the domain controller"),
    (re.compile(r"^FS\d*$|FILE|^NAS\d*$"), "the file server"),
    (re.compile(r"PRN|PRINT"), "the print server"),
    (re.compile(r"^RDS\d*$|^TS\d*$|^RDP\d*$"), "the terminal server"),
    (re.compile(r"^EX\d*$|EXCH|MAIL"), "the mail server"),
    (re.compile(r"^HV\d*$|HYPERV|^VMH\d*$|^ESX"), "the host server"),
    (re.compile(r"BKP|BACKUP"), "the backup server"),
    (re.compile(r"^APP\d*$"), "the application server"),
    (re.compile(r"WSUS"), "the update server"),
    (re.compile(r"^WEB\d*$"), "the web server"),
    (re.compile(r"^SRV\d*$|^SVR\d*$|SERVER"), "the server"),
    (re.compile(r"^LT\d*$|^NB\d*$|LAPTOP|^LAP\d*$"), "the laptop"),
    (re.compile(r"^PC\d*$|^WS\d*$|^DT\d*$|DESKTOP|WORKSTATION|RECEPTION"), "the PC"),
    (re.compile(r"^VM\d*$"), "the VM"),
    (re.compile(r"^FW\d*$|FIREWALL|^UTM\d*$"), "the firewall"),
    (re.compile(r"^GW\d*$|^RTR\d*$|ROUTER"), "the router"),
)
_HOST_ROLE_TOKEN = re.compile(
    r"^(?:SQL|DB|DC|ADDS|FS|FILE|NAS|PRN|PRINT|RDS|TS|RDP|EX|EXCH|MAIL|HV|HYPERV|VMH|ESX\w*|BKP|BACKUP|APP|WEB|SRV|WSUS|"
    r"SVR|SERVER|LT|NB|LAP|LAPTOP|PC|WS|DT|DESKTOP|WORKSTATION|RECEPTION|VM|FW|UTM|GW|RTR)\d{0,4}$"
)
# A part like WSUS01 or FS02 (letters, then two digits or more) makes a hyphenated name a host: PL-WSUS01.
_NUMBERED_PART = re.compile(r"^[A-Z]{2,8}\d{2,4}$")
# Upper-case names of hyphen-joined parts (OP3-PC, SRV-SQL02, HD-FS01, DESKTOP-7GH2K1L), or a role + digits (DC01).
_HOST = re.compile(r"(?<![\w\\/.-])(?:[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+|[A-Z]{2,6}\d{1,4})(?![\w-])")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_UNC = re.compile(r"\\\\[A-Za-z0-9_.$-]+(?:\\[^\s\\,;'\"()<>]+)*\\?")
_USER_PROFILE = re.compile(r"(?i)([a-z]:\\users\\)(?!public\b|default\b|all users\b|<)([^\\\s,;'\"]+)")
_DOMAIN_USER = re.compile(r"(?<![\w\\%.-])(?!HK[A-Z]{1,3}\\|NT\\|BUILTIN\\)([A-Z][A-Z0-9-]{1,14})\\([A-Za-z][\w.$-]*)")
_IP = re.compile(r"(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?::\d{1,5})?(?![\d.])")
_GENERAL_IPS = _words("8.8.8.8 8.8.4.4 1.1.1.1 1.0.0.1 9.9.9.9 127.0.0.1 0.0.0.0 255.255.255.0 255.255.0.0 255.0.0.0")
_TICKET = re.compile(
    r"(?i)(?:\b(?:ticket|case|incident|request|job|sr|inc|req)\s*(?:#|no\.?|number|n°)?\s*:?\s*\d{3,}\b"
    r"|#\d{4,}\b|\bT\d{8}\.\d{3,5}\b|\b(?:INC|REQ|RITM|CS)\d{5,}\b)"
)
_AT_NAME = re.compile(r"\b(at|for|from|with)\s+((?:[A-Z][\w&'-]+)(?:\s+(?:&\s+)?[A-Z][\w&'-]+){0,3})")
_SITE = re.compile(
    r"\bthe\s+((?:[A-Z][\w&'-]*\s+){1,3})(office|site|branch|warehouse|clinic|surgery|shop|store|depot|practice|"
    r"building|campus|studio|yard|plant)\b"
)
_POSSESSIVE = re.compile(r"\b((?:[A-Z][a-z][\w-]*)(?:\s+[A-Z][a-z][\w-]*){0,2})['’]s\b")

# Titles: places and times come out; a clause boundary is where a title may end.
_PLACE_OR_TIME = re.compile(
    r"(?i)\s*(?:\b(?:at|in|from)\s+the\s+(?:(?-i:[A-Z][\w-]*)\s+){0,3}(?:office|site|branch|warehouse|clinic|surgery|"
    r"shop|store|depot|practice|building)\b|\b(?:at|in|on)\s+(?:bay|floor|level|room|desk)\s+\w+\b"
    r"|\bon\s+the\s+\w+\s+floor\b|\bat\s+the\s+client\b|\bat\s+reception\b"
    r"|\b(?:since|from|as\s+of)\s+(?:this\s+(?:morning|afternoon|evening|week)|yesterday|today|last\s+\w+|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|\d{1,2}(?::\d{2})?\s*(?:am|pm)|the\s+weekend)\b"
    r"|\b(?:this\s+(?:morning|afternoon|evening)|today|yesterday|tonight|last\s+night|overnight|"
    r"(?:on|every|last)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b"
    r"|\b(?:at|around)\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?\b)"
)
_CLAUSE_BOUNDARY = re.compile(
    r"\s*[,;:–—(]\s*|\s+-\s+|\s+(?=(?:when|while|because|but|after|and|so|since|though|although|unless|"
    r"until|whenever|which|where|with|for|on|from|if)\b)"
)
_DANGLING = re.compile(r"(?i)(?:\s+(?:the|a|an|of|for|to|and|or|with|on|in|at|from|by|when|after|its|their))+$")


@dataclass(frozen=True)
class Replacement:
    field: str
    original: str
    replacement: str

    def as_dict(self) -> dict:
        return {"field": self.field, "original": self.original, "replacement": self.replacement}


def host_role(name: str) -> str:
    """The role word of a computer or server name by its parts: SRV-SQL02 → "the SQL server"."""
    parts = [p for p in name.upper().split("-") if p]
    for pattern, role in _ROLE_OF_HOST:  # the most specific role first: SRV-SQL02 is the SQL server
        if any(pattern.search(part) for part in parts):
            return role
    return COMPUTER


def _is_host(name: str, known_hosts: frozenset) -> bool:
    if name.casefold() in known_hosts:
        return True
    parts = name.split("-")
    numbered = len(parts) > 1 and any(_NUMBERED_PART.match(p) for p in parts)
    return (numbered or any(_HOST_ROLE_TOKEN.match(p) for p in parts)) and name.casefold() not in PUBLIC_NAMES


def _share_role(path: str) -> str:
    parts = [p for p in path.strip("\\").split("\\") if p]
    server = parts[0] if parts else ""
    share = parts[1].lower() if len(parts) > 1 else ""
    server_role = host_role(server)
    where = "the file server" if server_role in (COMPUTER, "the server") else server_role
    if not share:
        return where
    for words, role in (
        (("scan",), "the scan share"),
        (("home", "users", "user$"), "the home folders share"),
        (("profile",), "the profiles share"),
        (("redirect",), "the redirected folders share"),
        (("print",), "the print share"),
        (("software", "install", "deploy"), "the software share"),
        (("backup",), "the backup share"),
    ):
        if any(w in share for w in words):
            return f"{role} on {where}"
    return f"the shared folder on {where}"


@dataclass
class Generaliser:
    """Rewrites a proposal's texts, recording what it replaced.

    `names` are the names the account knows (client names, PSA companies, admins' terms) → "the client";
    `people` the people in the session → "the user"; `terms` the admins' own replacements {term: role};
    `hosts` the computer names the session gave (its device field)."""

    names: Iterable[str] = ()
    people: Iterable[str] = ()
    terms: dict = field(default_factory=dict)
    hosts: Iterable[str] = ()
    replaced: list[Replacement] = field(default_factory=list)

    def __post_init__(self):
        account: dict[str, str] = {}
        for name in self.names:
            if name and len(name.strip()) > 1 and name.strip().casefold() not in PUBLIC_NAMES:
                account[name.strip()] = CLIENT
        for term, role in (self.terms or {}).items():
            if term and term.strip():
                account[term.strip()] = (role or CLIENT).strip()
        people = {piece: USER for person in self.people for piece in _person_names(person)}
        self._roles = {k.casefold(): v for k, v in {**people, **account}.items()}
        # The account's names repeat for every session of a batch: their pattern is compiled once.
        # Names are matched as written (a person called Long is not every "long"), except an account's names
        # of several words ("harbour dental" typed in lower case is still the client).
        several = tuple(sorted(n for n in account if len(n.split()) > 1))
        single = tuple(sorted(n for n in account if len(n.split()) == 1))
        patterns = (
            _names_pattern(several, ignore_case=True),
            _names_pattern(single, ignore_case=False),
            _names_pattern(tuple(sorted(people)), ignore_case=False),
        )
        self._patterns = [p for p in patterns if p is not None]
        self._hosts = frozenset(h.strip().casefold() for h in self.hosts if h and h.strip())

    # ── Texts ──────────────────────────────────────────────────────────────────────────────────────

    def text(self, text: str, where: str) -> str:
        """`text` with its specifics replaced by role words; each replacement recorded under `where`."""
        if not text:
            return text
        original = text
        text = _EMAIL.sub(lambda m: self._swap(m, where, USER), text)
        text = _UNC.sub(lambda m: self._swap(m, where, _share_role(m.group())), text)
        text = _USER_PROFILE.sub(lambda m: self._profile(m, where), text)
        text = _DOMAIN_USER.sub(lambda m: self._swap(m, where, "the user's account"), text)
        text = _IP.sub(lambda m: m.group() if m.group() in _GENERAL_IPS else self._swap(m, where, IP_ADDRESS), text)
        text = _TICKET.sub(lambda m: self._swap(m, where, TICKET), text)
        for pattern in self._patterns:
            text = pattern.sub(lambda m: self._known_name(m, where), text)
        text = _HOST.sub(lambda m: self._host(m, where), text)
        text = _SITE.sub(lambda m: self._site(m, where), text)
        text = _AT_NAME.sub(lambda m: self._at_name(m, where), text)
        text = _PERSON.sub(lambda m: self._person(m, where), text)
        text = _POSSESSIVE.sub(lambda m: self._possessive(m, where), text)
        return _tidy(original, text)

    def _swap(self, match: re.Match, where: str, role: str) -> str:
        original = match.group()
        if original == role:
            return original
        self.replaced.append(Replacement(where, original, role))
        return role

    def _profile(self, match: re.Match, where: str) -> str:
        self.replaced.append(Replacement(where, match.group(2), "<user>"))
        return f"{match.group(1)}<user>"

    def _known_name(self, match: re.Match, where: str) -> str:
        original = match.group()
        possessive = original.endswith(("'s", "’s"))
        bare = original[:-2] if possessive else original
        role = self._roles.get(bare.casefold(), CLIENT)
        self.replaced.append(Replacement(where, bare, role))
        return f"{role}'s" if possessive else role

    def _host(self, match: re.Match, where: str) -> str:
        name = match.group()
        if not _is_host(name, self._hosts):
            return name
        return self._swap(match, where, host_role(name))

    def _at_name(self, match: re.Match, where: str) -> str:
        preposition, name = match.group(1), match.group(2)
        words = name.split()
        if words[0].casefold() in COMMON_WORDS or any(w.casefold().strip("'’s") in PUBLIC_NAMES for w in words):
            return match.group()
        if len(words) == 1 and preposition != "at":  # "for Sage", "with Outlook": too often a product
            return match.group()
        self.replaced.append(Replacement(where, name, CLIENT))
        return f"{preposition} {CLIENT}"

    def _person(self, match: re.Match, where: str) -> str:
        """A common first name (and the capitalised surname after it) is a person: "the user"."""
        if match.group(1).casefold() not in FIRST_NAMES:
            return match.group()
        surname = match.group(2)
        if surname and (surname.casefold() in PUBLIC_NAMES or surname.casefold() in COMMON_WORDS):
            return self._swap(re.match(r"\S+", match.group()), where, USER) + match.group()[len(match.group(1)) :]
        return self._swap(match, where, USER)

    def _site(self, match: re.Match, where: str) -> str:
        """ "the Leeds office" → "the office": a client's site name goes, the kind of place stays."""
        name = match.group(1).strip()
        if any(w.casefold() in PUBLIC_NAMES or w.casefold() in COMMON_WORDS for w in name.split()):
            return match.group()
        return self._swap(match, where, f"the {match.group(2)}")

    def _possessive(self, match: re.Match, where: str) -> str:
        name = match.group(1)
        words = name.split()
        if words[0].casefold() in COMMON_WORDS or any(w.casefold() in PUBLIC_NAMES for w in words):
            return match.group()
        role = USER if len(words) == 1 else CLIENT
        self.replaced.append(Replacement(where, name, role))
        return f"{role}'s"

    # ── A proposal ────────────────────────────────────────────────────────────────────────────────

    def envelope(self, envelope: dict) -> dict:
        """A copy of the envelope with every text generalised (title, description, keywords, the tree)."""
        out = dict(envelope)
        out["name"] = self.text(envelope.get("name", ""), "title")
        out["description"] = self.text(envelope.get("description", ""), "description")
        keywords = []
        for keyword in envelope.get("match_keywords") or []:
            general = self.text(keyword, "match_keywords")
            if general == keyword and not _is_role(general):
                keywords.append(keyword)
        out["match_keywords"] = list(dict.fromkeys(keywords))
        out["tree_structure"] = self.tree(envelope.get("tree_structure") or {})
        return out

    def tree(self, structure):
        if isinstance(structure, dict):
            result = {}
            for key, value in structure.items():
                if key in ("question", "instructions", "resolution", "label", "title") and isinstance(value, str):
                    result[key] = self.text(value, f"node {structure.get('id', '?')} {key}")
                elif key in ("children", "steps"):
                    result[key] = [self.tree(child) for child in value]
                else:
                    result[key] = value
            return result
        return structure

    def diff(self, diff):
        """The proposed diff's operations with their texts generalised (nodes and values alike)."""
        if diff is None:
            return None
        return [self._diff_value(op) for op in diff]

    def _diff_value(self, value):
        if isinstance(value, str):
            return self.text(value, "diff")
        if isinstance(value, list):
            return [self._diff_value(v) for v in value]
        if isinstance(value, dict):
            return {
                k: (v if k in ("op", "path", "id", "node_id", "parent_id", "type", "field") else self._diff_value(v))
                for k, v in value.items()
            }
        return value

    def record(self) -> list[dict]:
        """What was generalised, each (field, original, replacement) once, in order."""
        seen, out = set(), []
        for item in self.replaced:
            key = (item.field, item.original, item.replacement)
            if key not in seen:
                seen.add(key)
                out.append(item.as_dict())
        return out


@lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...], *, ignore_case: bool) -> re.Pattern | None:
    if not names:
        return None
    ordered = sorted(names, key=len, reverse=True)
    alternatives = "|".join(re.escape(k) for k in ordered)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?:['’]s)?(?![\w-])", re.IGNORECASE if ignore_case else 0)


def _person_names(person: str) -> list[str]:
    """A display name and its parts: "Sam Patel" → ["Sam Patel", "Sam", "Patel"] (parts of 3+ letters)."""
    person = " ".join((person or "").split())
    if not person or "@" in person:
        return [person.split("@")[0]] if "@" in person and len(person.split("@")[0]) > 2 else []
    parts = [p for p in person.split() if len(p) >= 3 and p.casefold() not in COMMON_WORDS]
    return [person, *parts] if len(parts) > 1 else parts


def _is_role(text: str) -> bool:
    return text.startswith("the ") or "the client" in text or "the user" in text


_NAMED_ROLE = re.compile(
    r"\bthe\s+(?:[\w-]+\s+){0,2}?(?:server|computer|pc|laptop|host|machine|workstation|device)\s+(the\s)",
    re.IGNORECASE,
)
# A device named by its kind, then by a host name the rules replaced: "the new router FW-01" keeps "the new router".
_DEVICE_THEN_HOST = re.compile(
    r"\b(router|firewall|switch|printer|phone|gateway|appliance|access point|NAS|UPS)"
    r"\s+the\s+(?:computer|server|PC|firewall|router)\b",
    re.IGNORECASE,
)
_DOUBLED_ROLE = re.compile(
    r"\b(?:the|a|an|server|computer|pc|laptop|host|machine|workstation|device|user|client)\s+(the\s)", re.IGNORECASE
)


def _tidy(original: str, text: str) -> str:
    """ "server SRV-SQL02" became "server the SQL server": one role word; a sentence keeps its capital."""
    text = _DEVICE_THEN_HOST.sub(r"\1", text)
    text = _NAMED_ROLE.sub(r"\1", text)  # "the WSUS server PL-WSUS01" → "the update server"
    text = _DOUBLED_ROLE.sub(r"\1", text)
    if original[:1].isupper() and text[:1].islower():
        text = text[:1].upper() + text[1:]
    return text


# ── Titles ────────────────────────────────────────────────────────────────────────────────────────


def title(text: str, generaliser: Generaliser | None = None) -> str:
    """A proposal title: the problem's first sentence, generalised, without places and times, at most
    TITLE_LIMIT characters cut at a clause boundary (never an ellipsis)."""
    text = " ".join((text or "").split())
    text = re.split(r"(?<=[.!?])\s|\n", text, maxsplit=1)[0].rstrip(".!? ")
    if generaliser is not None:
        text = generaliser.text(text, "title")
    text = _PLACE_OR_TIME.sub("", text)
    text = text.replace("…", "").replace("...", "")
    text = " ".join(text.split()).strip(" ,;:-–—")
    text = _fit(text)
    return text[:1].upper() + text[1:] if text else "Untitled problem"


def _fit(text: str) -> str:
    if len(text) <= TITLE_LIMIT:
        return _DANGLING.sub("", text).strip(" ,;:-–—(")
    cut = 0
    for boundary in _CLAUSE_BOUNDARY.finditer(text):
        if boundary.start() > TITLE_LIMIT:
            break
        if boundary.start() >= 20:
            cut = boundary.start()
    if not cut:  # no clause boundary in reach: the last whole word
        cut = text.rfind(" ", 0, TITLE_LIMIT + 1)
        cut = cut if cut > 0 else TITLE_LIMIT
    shortened = _DANGLING.sub("", text[:cut]).strip(" ,;:-–—(\"'‘“")
    return _balanced(shortened)


def _balanced(text: str) -> str:
    """A cut title closes the quote it cut inside; a cut bracket goes."""
    if text.count("(") > text.count(")"):
        text = _DANGLING.sub("", text[: text.rfind("(")].rstrip(" ,;:-–—"))
    for opening, closing in (("'", "'"), ('"', '"'), ("‘", "’"), ("“", "”")):
        count = text.count(opening) if opening == closing else text.count(opening) - text.count(closing)
        if (opening == closing and count % 2) or (opening != closing and count > 0):
            text = text + closing
    return text
