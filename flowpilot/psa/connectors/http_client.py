"""The HTTP layer the three connectors share: which base URLs are allowed, one httpx client per
connector, and the mapping of every HTTP outcome to a typed `PsaError`.

Every message built here names the provider, the method and the path (never the query string, the
headers or the body) and is passed through `redact()`, so a credential the PSA echoes back in an
error body never reaches a log, a push's `last_error` or a page.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import json
import math
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpx

from .base import (
    REDACTED,
    PsaAuthError,
    PsaBadResponse,
    PsaConfigError,
    PsaError,
    PsaNotFound,
    PsaRateLimited,
    PsaRejected,
    PsaServerError,
    PsaTimeout,
)

MAX_RESPONSE_BYTES = 5 * 1024 * 1024
MAX_ERROR_DETAIL = 300
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def checked_base_url(value: str, *, what: str) -> str:
    """`value` as a base URL without query or trailing slash: https, or http for this machine only (the fake)."""
    raw = (value or "").strip()
    if not raw:
        raise PsaConfigError(f"{what} is not set.")
    try:  # the host is decoded lazily: an invalid IDNA label ("xn--zz") raises UnicodeError (a ValueError) here
        url = httpx.URL(raw)
        url_host = url.host
        url_port = url.port
    except (httpx.InvalidURL, TypeError, ValueError):
        raise PsaConfigError(f"{what} is not a valid URL (check the host name).") from None
    if url.scheme not in ("http", "https") or not url_host:
        raise PsaConfigError(f"{what} must be an https:// URL.")
    if url.scheme == "http" and not is_loopback(url_host):
        raise PsaConfigError(f"{what} must use https (plain http is allowed only for this machine).")
    if url.userinfo:
        raise PsaConfigError(f"{what} must not contain a user name or password.")
    host = f"[{url_host}]" if ":" in url_host else url_host
    port = f":{url_port}" if url_port else ""
    return f"{url.scheme}://{host}{port}{url.path.rstrip('/')}"


def checked_header_value(value: str, *, what: str) -> str:
    """`value` if an HTTP header can carry it (printable ASCII): a pasted newline or accent fails here, clearly."""
    if not value or value != value.strip() or not all(" " <= char <= "~" for char in value):
        raise PsaConfigError(
            f"{what} is empty or has characters an HTTP header cannot carry (check for a pasted space or line break)."
        )
    return value


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), clamped to [0, 1 day]."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - (now or dt.datetime.now(dt.UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _error_detail(body: bytes) -> str:
    """The PSA's own words from an error body (ConnectWise `message`, Halo `error_description`, Autotask `errors`)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    parts: list[str] = []
    if isinstance(data, dict):
        for key in ("message", "error_description", "error", "title", "Message"):
            if isinstance(data.get(key), str):
                parts.append(data[key])
                break
        errors = data.get("errors")
        if isinstance(errors, list):
            for item in errors[:3]:
                if isinstance(item, str):
                    parts.append(item)
                elif isinstance(item, dict) and isinstance(item.get("message"), str):
                    parts.append(item["message"])
    elif isinstance(data, str):
        parts.append(data)
    detail = " ".join(" ".join(parts).split())
    return detail[:MAX_ERROR_DETAIL]


class PsaHttp:
    """One provider's httpx client: sends a request, returns its parsed JSON or raises a typed PsaError."""

    def __init__(
        self,
        *,
        label: str,
        timeout: float,
        transport: httpx.BaseTransport | None,
        secrets: Iterable[str],
    ):
        self.label = label
        self.timeout = timeout
        self._secrets: set[str] = {s for s in secrets if s}
        self._secrets_lock = threading.Lock()
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "ResolutionFlow"},
        )

    def add_secret(self, value: str) -> None:
        """Also redact `value` (e.g. a bearer token obtained at run time) from every message."""
        if value:
            with self._secrets_lock:
                self._secrets.add(value)

    def redact(self, text: str) -> str:
        with self._secrets_lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return text

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        """Send one request; answer its JSON body (None when empty) or raise the PsaError for its outcome."""
        try:
            where = f"{method} {httpx.URL(url).path}"
        except (httpx.InvalidURL, TypeError, ValueError):
            raise PsaConfigError(f"{self.label}: a request URL is not valid.") from None
        try:
            request = self._client.build_request(method, url, headers=headers, params=params, json=json_body, data=form)
            response = self._client.send(request, stream=True)
            try:
                body = self._read_capped(response, where)
            finally:
                response.close()
        except PsaError:
            raise
        except httpx.TimeoutException:
            raise PsaTimeout(self.redact(f"{self.label} did not answer {where} within {self.timeout:g} s.")) from None
        except httpx.TransportError as exc:
            raise PsaServerError(
                self.redact(f"{self.label} could not be reached for {where} ({type(exc).__name__}).")
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError):
            # ValueError covers UnicodeError / idna.IDNAError from a host that cannot be encoded, and a header
            # or parameter httpx refuses: a request that cannot be built is a setting (or an answer) at fault.
            raise PsaConfigError(self.redact(f"{self.label}: the request {where} could not be built.")) from None

        status = response.status_code
        if not 200 <= status < 300:
            raise self._error_for(status, response.headers, body, where)
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise PsaBadResponse(self.redact(f"{self.label} answered {where} with a body that is not JSON.")) from None

    def _read_capped(self, response: httpx.Response, where: str) -> bytes:
        deadline = time.monotonic() + 3 * self.timeout
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise PsaBadResponse(f"{self.label} answered {where} with more than {MAX_RESPONSE_BYTES} bytes.")
            if time.monotonic() > deadline:
                raise PsaTimeout(f"{self.label} was still sending its answer to {where} after {3 * self.timeout:g} s.")
            chunks.append(chunk)
        return b"".join(chunks)

    def _error_for(self, status: int, headers: httpx.Headers, body: bytes, where: str) -> PsaError:
        detail = _error_detail(body)
        message = f"{self.label} answered {status} to {where}" + (f": {detail}" if detail else ".")
        message = self.redact(message)
        if status in (401, 403):
            return PsaAuthError(message, status=status)
        if status == 404:
            return PsaNotFound(message, status=status)
        if status == 429:
            return PsaRateLimited(message, retry_after=parse_retry_after(headers.get("Retry-After")), status=status)
        if status >= 500:
            return PsaServerError(message, retry_after=parse_retry_after(headers.get("Retry-After")), status=status)
        if 300 <= status < 400:
            return PsaBadResponse(self.redact(f"{self.label} redirected {where}; check the URL."), status=status)
        return PsaRejected(message, status=status)
