"""Small display filters shared by every page: domains, percentages, durations."""

from django import template

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
