from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

from core.throttling import AnonThrottle
from workspaces.models import Membership


class ObtainTokenApi(ObtainAuthToken):
    """POST username and password, get the caller's API token (`Authorization: Token <key>`)."""

    throttle_classes = [AnonThrottle]
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # ObtainAuthToken lists DRF's JSON parser: use ours


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The trivial endpoint load tests compare against (one cheap query)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@never_cache
@login_required
def entry(request: HttpRequest) -> HttpResponse:
    """The Fee Center's front door: the first account of the user (the switcher changes it)."""
    membership = Membership.objects.filter(user=request.user).select_related("account").order_by("account_id").first()
    if membership is None:
        return render(request, "core/no_account.html", status=200)
    return redirect("account-home", account_id=membership.account_id)
