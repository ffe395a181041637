"""Rules that put a problem into one of PRODUCT.md's domains without an LLM.

Keywords first (vendor names, consoles and error codes are decisive), then the domain of a well-matched
flow. Unknown stays None (shown as "unknown"). Pure: no ORM.
"""

import re

DOMAIN_KEYWORDS: dict[str, tuple[str, ...]] = {
    "active_directory": (
        "active directory",
        "ad account",
        "locked out",
        "lockout",
        "domain controller",
        "gpo",
        "group policy",
        "aduc",
        "trust relationship",
        "password expired",
        "password reset",
        "reset password",
        "new starter",
        "leaver",
        "onboarding",
        "offboarding",
        "kerberos",
        "4740",
        "netlogon",
        "ou=",
    ),
    "m365": (
        "microsoft 365",
        "office 365",
        "o365",
        "m365",
        "onedrive",
        "sharepoint",
        "teams",
        "mfa",
        "authenticator",
        "entra",
        "azure ad",
        "aadsts",
        "unlicensed",
        "activation",
        "intune",
    ),
    "exchange": (
        "outlook",
        "exchange",
        "mailbox",
        "shared mailbox",
        "ndr",
        "bounce",
        "550 5.",
        "mail flow",
        "calendar",
        "ost",
        "pst",
        "autodiscover",
        "email not",
        "e-mail not",
    ),
    "networking": (
        "network",
        "internet",
        "dns",
        "dhcp",
        "wifi",
        "wi-fi",
        "wireless",
        "ethernet",
        "switch",
        "router",
        "firewall",
        "169.254",
        "apipa",
        "ping",
        "latency",
        "packet loss",
        "file share slow",
    ),
    "vpn": (
        "vpn",
        "forticlient",
        "globalprotect",
        "anyconnect",
        "wireguard",
        "openvpn",
        "sslvpn",
        "ipsec",
        "remote access",
        "error 809",
    ),
    "printing": (
        "print",
        "printer",
        "spooler",
        "scan to email",
        "scanner",
        "copier",
        "mfp",
        "toner",
        "laserjet",
        "ricoh",
        "kyocera",
        "konica",
    ),
    "windows": (
        "windows update",
        "bsod",
        "blue screen",
        "kb50",
        "0x800",
        "slow pc",
        "slow computer",
        "temporary profile",
        "windows 11",
        "windows 10",
        "startup",
        "boot",
        "sfc",
        "dism",
    ),
    "macos": ("macbook", "macos", "mac os", "imac", "finder", "keychain", "apple id"),
    "backup": ("backup", "veeam", "datto", "restore", "shadow copy", "snapshot", "acronis", "recycle bin"),
    "security": (
        "phishing",
        "phish",
        "malware",
        "virus",
        "ransomware",
        "compromised",
        "hacked",
        "suspicious sign-in",
        "suspicious login",
        "spam from",
        "fake invoice",
        "defender",
        "edr",
    ),
    "hardware": (
        "laptop",
        "battery",
        "won't power",
        "wont power",
        "no power",
        "dock",
        "docking",
        "monitor",
        "screen",
        "keyboard",
        "mouse",
        "hard drive",
        "ssd",
        "fan noise",
        "usb-c",
    ),
    "line_of_business": (
        "quickbooks",
        "sage",
        "xero",
        "dynamics",
        "erp",
        "crm",
        "line of business",
        "h202",
        "h505",
        "practice management",
    ),
}

_SPACE = re.compile(r"\s+")


def classify_domain(text: str, *, matched_domain: str | None = None) -> str | None:
    """The domain with the most keyword hits; ties and no hits fall back to `matched_domain`, the domain of
    the flow the problem matched (None when no flow matched well enough for a tier above discovery)."""
    normalised = " " + _SPACE.sub(" ", (text or "").casefold()) + " "
    scores = {domain: sum(1 for kw in keywords if kw in normalised) for domain, keywords in DOMAIN_KEYWORDS.items()}
    best = max(scores.values(), default=0)
    winners = [domain for domain, score in scores.items() if score == best and score > 0]
    matched_is_good = matched_domain is not None
    if matched_is_good and (not winners or matched_domain in winners):
        return matched_domain
    if len(winners) == 1:
        return winners[0]
    if winners and matched_is_good:
        return matched_domain
    return winners[0] if winners else None


def summarise(text: str, limit: int = 120) -> str:
    """The intake's first clause, cleaned: a title for the session when no LLM writes one."""
    text = _SPACE.sub(" ", (text or "").strip())
    text = re.sub(r"^(client|customer|user|ticket)\s*[:#-]\s*[^—\-:]{0,60}[—\-:]\s*", "", text, flags=re.I)
    first = re.split(r"(?<=[.!?])\s|\n| — | - ", text, maxsplit=1)[0].strip(" .")
    if len(first) > limit:
        first = first[: limit - 1].rsplit(" ", 1)[0] + "…"
    return first[:1].upper() + first[1:] if first else ""
