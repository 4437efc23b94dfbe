"""Which endpoint URLs are accepted (checked when an endpoint is saved and again before every request).

- https only, with a host name; no user name or password in the URL; at most 500 characters;
- trailing dots of the host are dropped (`localhost.` is `localhost`);
- the host is not an IP literal that webhooks.addresses.is_public_address refuses (loopback, private,
  link-local, reserved, multicast, any IPv6 form carrying an IPv4 address), nor a numeric IPv4 form
  (2130706433, 0x7f000001, 127.1), nor `localhost` (host names are resolved and checked at sending time,
  webhooks/delivery.py);
- the one exception: with settings.WEBHOOKS_ALLOW_INSECURE_LOOPBACK (tests only), http://127.0.0.1:<port>/...
  and http://<name>.test:<port>/... are accepted so that tests can deliver to a receiver on loopback.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings

from core.exceptions import ApplicationError
from webhooks.addresses import is_public_address, parse_ip
from webhooks.error_codes import WebhooksErrorCode as Code

MAX_URL_LENGTH = 500


_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


def _error(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={"url": [message]})


def loopback_allowed(host: str, scheme: str) -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_INSECURE_LOOPBACK", False)) and scheme in ("http", "https") and (
        host == "127.0.0.1" or host.endswith(".test")
    )


def _without_trailing_dots(url: str, parts, host: str) -> str:
    """The URL with its host's trailing dots dropped (only rebuilt when there were some)."""
    if not (parts.hostname or "").endswith("."):
        return url
    shown = f"[{host}]" if ":" in host else host
    netloc = f"{shown}:{parts.port}" if parts.port is not None else shown
    return parts._replace(netloc=netloc).geturl()


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
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _error("Put no user name or password in the URL.", Code.URL_CREDENTIALS)
    if not host:
        raise _error("This is not a valid URL.", Code.INVALID_URL)
    url = _without_trailing_dots(url, parts, host)
    if loopback_allowed(host, scheme):
        return url
    if scheme != "https":
        raise _error("Only https:// URLs are accepted.", Code.INSECURE_URL)
    if port == 0:
        raise _error("This is not a valid URL.", Code.INVALID_URL)
    if host == "localhost" or host.endswith(".localhost"):
        raise _error("The URL must point to a public address.", Code.PRIVATE_ADDRESS)
    address = parse_ip(host)
    if address is None:
        if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
            # 2130706433, 0x7f000001, 127.1, 10.1, 0177.0.0.1, 0x7f.0.0.1: not host names but whole, short,
            # octal or hex IPv4 forms, which resolvers turn into addresses (a top-level domain is never numeric)
            raise _error("The URL must point to a public address.", Code.PRIVATE_ADDRESS)
        if "." not in host:
            raise _error("Use a fully qualified host name.", Code.INVALID_URL)
        return url
    if not is_public_address(address):
        raise _error("The URL must point to a public address.", Code.PRIVATE_ADDRESS)
    return url
