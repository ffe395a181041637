"""Small display filters shared by every page: domains, percentages, durations, hidden secrets."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from resolutionflow.redaction import MARKER

register = template.Library()

DOMAIN_LABELS = {
    "active_directory": "Active Directory",
    "m365": "Microsoft 365",
    "exchange": "Exchange",
    "networking": "Networking",
    "vpn": "VPN",
    "printing": "Printing",
    "windows": "Windows",
    "macos": "macOS",
    "backup": "Backup",
    "security": "Security",
    "hardware": "Hardware",
    "line_of_business": "Line of business",
    "other": "Other",
}


@register.filter
def domain_label(value) -> str:
    """A problem domain for people; no domain reads "unknown" (PRODUCT.md)."""
    if not value:
        return "unknown"
    return DOMAIN_LABELS.get(value, str(value).replace("_", " ").capitalize())


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.8523 → "85.2 %" (rates are shown with one decimal everywhere); None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f} %"


@register.filter
def pct(value, digits: int = 1) -> str:
    """A value already in percent: 85.23 → "85.2 %"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(digits)}f} %"


@register.filter
def hidden_marked(value) -> str:
    """The text escaped, each hidden secret shown as a badge, so the reader sees that something was hidden."""
    text = escape(value or "")
    if MARKER not in text:
        return text
    badge = format_html(
        '<span class="{}" title="{}">{}</span>',
        "secret-hidden rounded-md bg-amber-100 px-1.5 text-xs font-medium text-amber-900",
        "A secret was hidden here: it is never stored or sent.",
        "hidden secret",
    )
    return mark_safe(text.replace(MARKER, badge))
