"""Application errors on pages, handled once (the API's counterpart is core.api.exception_handler).

- `ApplicationErrorPageMixin` is in the base of every Fee Center page view (workspaces.tenancy.AccountScopedMixin,
  and the public pages): its `dispatch` catches an ApplicationError raised by the view and calls
  `application_error(request, error)`. By default that shows the error's message and redirects back to the page
  (`error_redirect_url()`: the view's own path, always same-origin). A form view overrides the hook to show the
  form again with `error.fields` next to the fields and the input kept, status 400.
- `attempt(call)` is for a page that shows *why* something cannot be done (a package that cannot be renewed yet,
  a plan not on sale) instead of failing, and for a form that turns a service's check into a field error: it
  returns the call's result and the error, one of them None.

No view, form or admin module catches ApplicationError itself (tests/architecture/test_application_errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from core.exceptions import ApplicationError

_T = TypeVar("_T")


def attempt(call: Callable[[], _T]) -> tuple[_T | None, ApplicationError | None]:
    """(result, None) when the call succeeds, (None, error) when it raises an ApplicationError."""
    try:
        return call(), None
    except ApplicationError as error:
        return None, error


class ApplicationErrorPageMixin:
    """Catches an ApplicationError raised while a page handles a request and answers it through
    `application_error()`."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except ApplicationError as error:
            return self.application_error(request, error)

    def application_error(self, request: HttpRequest, error: ApplicationError) -> HttpResponse:
        """The default: the error's message, and back to the page. A page that refuses its own GET gets the
        message on the bad-request page (400) instead: redirecting to itself would never end."""
        messages.error(request, error.message)
        if request.method in ("GET", "HEAD"):
            return render(request, "400.html", status=400)
        return redirect(self.error_redirect_url())

    def error_redirect_url(self) -> str:
        """Where the default hook sends the user back to: this page (a path, so always same-origin); for an
        action that only answers POST, the page the form was on (the Referer, when it is of this site) or the
        site's root. A view with a better place overrides this."""
        request = self.request
        if "get" in getattr(self, "http_method_names", ()):
            return request.path
        referer = request.headers.get("referer", "")
        if referer and url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return referer
        return "/"
