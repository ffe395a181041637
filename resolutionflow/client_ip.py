"""The client's IP address, trusting X-Forwarded-For only as far as the configured proxies.

Each proxy in front of the app appends the address it received the request from to X-Forwarded-For, so
with TRUSTED_PROXY_COUNT proxies the client is the entry that many places from the right; anything to its
left was written by the client and is ignored. With 0 proxies (the default) the header is ignored
entirely. Sign-in lockout (django-axes) and the API throttles (DRF's NUM_PROXIES) use the same rule.
"""

from ipaddress import ip_address

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry the trusted proxies vouch for."""
    remote_addr = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    candidate = hops[-min(proxies, len(hops))]
    return candidate if _is_ip(candidate) else remote_addr


def _is_ip(value: str) -> bool:
    try:
        ip_address(value)
    except ValueError:
        return False
    return True
