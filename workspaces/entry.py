"""The Fee Center's front door: where a signed-in user lands."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from workspaces.models import Membership


@never_cache
@login_required
def entry(request: HttpRequest) -> HttpResponse:
    """The first account of the user (the switcher changes it); a page that says so when there is none."""
    user = cast(User, request.user)  # login_required: a signed-in user
    membership = Membership.objects.filter(user=user).select_related("account").order_by("account_id").first()
    if membership is None:
        return render(request, "core/no_account.html", status=200)
    return redirect("account-home", account_id=membership.account_id)
