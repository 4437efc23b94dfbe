"""core.pages: an ApplicationError raised by a page is answered once, by the mixin's hook."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from core.exceptions import ApplicationError, Conflict
from core.pages import ApplicationErrorPageMixin, attempt


class _Page(ApplicationErrorPageMixin, View):
    def get(self, request):
        return HttpResponse("the page")

    def post(self, request):
        raise Conflict("Already paid.")


class _RefusedPage(ApplicationErrorPageMixin, View):
    def get(self, request):
        raise Conflict("Not available.")


class _Action(ApplicationErrorPageMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        raise ApplicationError("Not now.")


class _Form(_Page):
    def application_error(self, request, error):
        return HttpResponse(f"{error.fields['amount'][0]} / {request.POST['amount']}", status=400)

    def post(self, request):
        raise ApplicationError("Check the amount.", fields={"amount": ["Too large."]})


def _request(method: str, path: str = "/a/1/page/", **extra):
    request = getattr(RequestFactory(), method)(path, **extra)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_default_hook_shows_the_message_and_redirects_back_to_the_page():
    request = _request("post")
    response = _Page.as_view()(request)
    assert response.status_code == 302 and response["Location"] == "/a/1/page/"
    assert [str(m) for m in get_messages(request)] == ["Already paid."]


def test_a_page_that_refuses_its_own_get_answers_400_instead_of_redirecting_to_itself():
    request = _request("get")
    response = _RefusedPage.as_view()(request)
    assert response.status_code == 400 and "Location" not in response
    assert [str(m) for m in get_messages(request)] == ["Not available."]


def test_a_post_only_action_goes_back_to_the_same_origin_referer_and_never_elsewhere():
    request = _request("post", "/a/1/page/do/", HTTP_REFERER="http://testserver/a/1/page/?tab=2")
    assert _Action.as_view()(request)["Location"] == "http://testserver/a/1/page/?tab=2"
    foreign = _request("post", "/a/1/page/do/", HTTP_REFERER="https://elsewhere.example/phish")
    assert _Action.as_view()(foreign)["Location"] == "/"


def test_a_form_view_overrides_the_hook():
    request = _request("post", data={"amount": "9999"})
    response = _Form.as_view()(request)
    assert response.status_code == 400 and response.content.decode() == "Too large. / 9999"
    assert list(get_messages(request)) == []


def test_attempt_returns_the_result_or_the_error():
    assert attempt(lambda: 42) == (42, None)

    def refuse():
        raise Conflict("No.")

    result, error = attempt(refuse)
    assert result is None and error is not None and error.message == "No."
