"""Which endpoint URLs are accepted (checked when an endpoint is saved and again before every request).

- https only, with a host name; no user name or password in the URL; at most 500 characters;
- the host is not an IP literal in a loopback, private, link-local, reserved or multicast range, nor
  `localhost` (host names are not resolved here: see docs/RULES-webhooks.md);
- the one exception: with settings.WEBHOOKS_ALLOW_INSECURE_LOOPBACK (tests only), http://127.0.0.1:<port>/...
  is accepted so that tests can deliver to a receiver on loopback.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings

from core.exceptions import ApplicationError
from webhooks.error_codes import WebhooksErrorCode as Code

MAX_URL_LENGTH = 500


_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")

def _error(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={"url": [message]})


def loopback_allowed(host: str, scheme: str) -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_INSECURE_LOOPBACK", False)) and scheme in ("http", "https") and (
        host == "127.0.0.1"
    )


def validate_endpoint_url(raw: str) -> str:
    """The cleaned URL, or ApplicationError(fields={"url": ...})."""
    url = (raw or "").strip()
    if not url:
        raise _error("Enter the endpoint's URL.", Code.INVALID_URL)
    if len(url) > MAX_URL_LENGTH:
        raise _error(f"The URL is longer than {MAX_URL_LENGTH} characters.", Code.INVALID_URL)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url) or not url.isascii():
        raise _error("The URL may not contain spaces, control or non-ASCII characters.", Code.INVALID_URL)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a bad port
    except ValueError:
        raise _error("This is not a valid URL.", Code.INVALID_URL) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _error("Put no user name or password in the URL.", Code.URL_CREDENTIALS)
    if not host:
        raise _error("This is not a valid URL.", Code.INVALID_URL)
    if loopback_allowed(host, scheme):
        return url
    if scheme != "https":
        raise _error("Only https:// URLs are accepted.", Code.INSECURE_URL)
    if port == 0:
        raise _error("This is not a valid URL.", Code.INVALID_URL)
    if host == "localhost" or host.endswith(".localhost"):
        raise _error("The URL must point to a public address.", Code.PRIVATE_ADDRESS)
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if "." not in host:
            raise _error("Use a fully qualified host name.", Code.INVALID_URL) from None
        if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
            # 127.1, 10.1, 0177.0.0.1, 0x7f.0.0.1: not host names but short, octal or hex IPv4 forms, which
            # resolvers turn into addresses (a real top-level domain is never numeric)
            raise _error("The URL must point to a public address.", Code.PRIVATE_ADDRESS) from None
        return url
    if not address.is_global or address.is_multicast:
        raise _error("The URL must point to a public address.", Code.PRIVATE_ADDRESS)
    return url
