"""The project's request parsers (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]). Kept out of core/api.py, which
imports rest_framework.views: APIView reads DEFAULT_PARSER_CLASSES when it is defined."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# A request body nested deeper than this is refused (usage batches need 3 levels, the deepest body 4).
MAX_JSON_DEPTH = 32


class ProjectJSONParser(JSONParser):
    """DRF's JSON parser with the failures it lets through turned into a 400 parse_error: a body nested so
    deeply that the decoder recurses out (RecursionError), and any body nested deeper than MAX_JSON_DEPTH.
    Integers longer than Python's conversion limit and bad encodings are ValueErrors DRF already turns into
    a 400. Set as DEFAULT_PARSER_CLASSES; views that list their own parsers must use this one too."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - the body is nested too deeply.") from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(f"JSON parse error - the body is nested deeper than {MAX_JSON_DEPTH} levels.")
        return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Iterative (a recursive walk could itself overflow) depth check of decoded JSON."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
