"""Users' and groups' permissions picker (core.admin.PermissionsSelect): the admin's two-box filter, its options
written in one pass; what is chosen is saved, and a chosen permission comes back selected."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_groups_permissions_are_picked_saved_and_shown_selected(admin_client):
    chosen = list(Permission.objects.filter(content_type__app_label="payments").order_by("pk")[:2])
    add = reverse("admin:auth_group_add")
    page = admin_client.get(add).content.decode()
    assert 'class="selectfilter"' in page and page.count("<option") == Permission.objects.count()
    response = admin_client.post(add, {"name": "Cash desk", "permissions": [p.pk for p in chosen]})
    assert response.status_code == 302
    group = Group.objects.get(name="Cash desk")
    assert set(group.permissions.all()) == set(chosen)
    html = admin_client.get(reverse("admin:auth_group_change", args=[group.pk])).content.decode()
    for permission in chosen:
        assert f'<option value="{permission.pk}" selected>' in html
    assert html.count(" selected>") == len(chosen)


def test_a_users_permissions_use_the_same_picker(admin_client, admin_user):
    html = admin_client.get(reverse("admin:auth_user_change", args=[admin_user.pk])).content.decode()
    assert 'name="user_permissions"' in html and 'class="selectfilter"' in html
    assert '<option value="' in html and "&lt;option" not in html
