"""The project's request parsers (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]). Kept out of core/api.py, which
imports rest_framework.views: APIView reads DEFAULT_PARSER_CLASSES when it is defined."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import IO, Any

import orjson
from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# A request body nested deeper than this is refused (usage batches need 3 levels, the deepest body 4).
MAX_JSON_DEPTH = 32


class ProjectJSONParser(JSONParser):
    """DRF's JSON parser with the failures it lets through turned into a 400 parse_error: a body nested so
    deeply that the decoder recurses out (RecursionError), and any body nested deeper than MAX_JSON_DEPTH.
    Integers longer than Python's conversion limit and bad encodings are ValueErrors DRF already turns into
    a 400. Set as DEFAULT_PARSER_CLASSES; views that list their own parsers must use this one too."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - the body is nested too deeply.") from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(f"JSON parse error - the body is nested deeper than {MAX_JSON_DEPTH} levels.")
        return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Iterative (a recursive walk could itself overflow) depth check of decoded JSON. Only containers are
    stacked: a batch of flat records costs one pass over each record's values."""
    if not isinstance(data, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children: Iterable[Any] = value.values() if isinstance(value, dict) else value
        stack.extend([(child, depth + 1) for child in children if isinstance(child, (dict, list))])
    return False


class FastJSONParser(ProjectJSONParser):
    """ProjectJSONParser with orjson on the fast path, for the endpoints that take large bodies (usage
    ingestion). A body orjson refuses (invalid JSON, nesting deeper than its limit of 255, NaN, integers beyond
    64 bits, ...) is parsed again by ProjectJSONParser, so every answer is exactly the standard parser's: a
    parse_error 400 for what is not JSON or too deep, and the same decoded values otherwise. The depth limit
    MAX_JSON_DEPTH applies to both paths."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        if encoding.lower().replace("-", "") != "utf8":  # orjson reads UTF-8 only
            return super().parse(stream, media_type, parser_context)
        body = stream.read() if stream is not None else b""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(f"JSON parse error - the body is nested deeper than {MAX_JSON_DEPTH} levels.")
        return data
