"""The project's URL patterns as a flat list, for the tests that walk every page (tenancy, isolation, headers,
CSRF, translations). One copy here; the tests import it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def walk_patterns(patterns: Iterable | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) for every URL pattern under `patterns` (default: the root URLconf), with the routes of
    the resolvers it sits in joined in front, e.g. "a/<id:account_id>/wallet/"."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from walk_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry
