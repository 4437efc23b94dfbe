"""API conventions in one place: the error envelope, pagination, decimal money (AmountField), date-range filters.
The JSON parser (bounded nesting) is core.parsers, its own module because DRF's APIView reads
DEFAULT_PARSER_CLASSES while this module imports it."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request, page_not_found, permission_denied, server_error
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError
from core.money import API_AMOUNT_PATTERN, money_string, parse_amount

logger = logging.getLogger(__name__)


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(value) for value in detail]
    return str(detail)


_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error, ours or DRF's or Django's, as {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        message = "; ".join(exc.messages) or "Invalid input."
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django's 500 handling log it
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        message = "Invalid input."
        non_field = fields.get("non_field_errors") if isinstance(fields, dict) else None
        if non_field:
            message = str(non_field[0])
        response.data = error_body("invalid", message, fields)
        return response
    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), None)
    if code is None:
        code = getattr(exc, "default_code", "error")
    detail = getattr(exc, "detail", str(exc))
    response.data = error_body(str(code), str(detail) if not isinstance(detail, (dict, list)) else "Error.")
    return response


@extend_schema_field({"type": "string", "format": "decimal", "pattern": API_AMOUNT_PATTERN, "example": "100.00"})
class AmountField(serializers.Field):
    """THE API money input: a decimal string matching API_AMOUNT_PATTERN ("42000.00": ASCII digits, at most one
    dot and two decimals), positive, at most core.money.MAX_REQUEST_AMOUNT. A JSON integer is taken as whole
    yuan; a JSON fraction (a binary float once decoded) is refused. Never raises anything but a 400 naming
    the field. Output: a string with two places."""

    default_error_messages = {"invalid": "{message}"}

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return parse_amount(data, strict=True)
        except ValueError as error:
            self.fail("invalid", message=str(error))

    def to_representation(self, value: Any) -> str:
        return money_string(value)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def json_error_response(request: HttpRequest, code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def api_or_page_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: JSON under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return json_error_response(request, "not_found", "Not found.", 404)
    return page_not_found(request, exception)


def api_or_page_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error_response(request, "permission_denied", "You do not have permission.", 403)
    return permission_denied(request, cast(Exception, exception))  # Django always passes the exception


def api_or_page_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error_response(request, "bad_request", "Bad request.", 400)
    return bad_request(request, cast(Exception, exception))  # Django always passes the exception


def api_or_page_500(request: HttpRequest) -> HttpResponse:
    logger.error("500 on %s", request.path)
    if request.path.startswith("/api/"):
        return json_error_response(request, "server_error", "Internal error.", 500)
    return server_error(request)


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` through DRF's content negotiation; the view answers the CSV itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        return data if isinstance(data, bytes) else str(data).encode()


CSV_FORMAT_PARAMETER = OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"])


if TYPE_CHECKING:
    from rest_framework.views import APIView

    _CSVExportBase = APIView
else:
    _CSVExportBase = object


class CSVExportMixin(_CSVExportBase):
    """A list endpoint that also exports `?format=csv` (through core.csv: BOM, formula escaping).
    Subclasses implement `csv_response()`. Errors are the JSON envelope whatever the format asked."""

    renderer_classes: Sequence[type[BaseRenderer]] = [JSONRenderer, CSVRenderer]

    def wants_csv(self) -> bool:
        return getattr(getattr(self.request, "accepted_renderer", None), "format", None) == "csv"

    def csv_response(self) -> HttpResponse:
        raise NotImplementedError

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:  # the CSV HttpResponse or a DRF Response
        if self.wants_csv():
            return self.csv_response()
        # a mixin: the view class it is mixed into (a DRF list/detail view) provides get()
        return cast(Any, super()).get(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        if self.wants_csv():
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
