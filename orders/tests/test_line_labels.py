"""An order line reads in the reader's language, whatever the language of the request that made it: its label
is built when it is shown from its fields (docs/RULES-orders.md "Line labels"); the stored description keeps
the words of the day it was made, for the API's existing clients."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from orders.models import Order, OrderLineKind
from orders.purchase import order_create_upgrade
from orders.renewal import order_create_renewal
from orders.tests.factories import paid_package, plan, purchase_order, traffic_package

pytestmark = pytest.mark.django_db


def _lines(order: Order) -> dict[str, str]:
    return {line.kind: line.label() for line in Order.objects.get(pk=order.pk).lines.all()}


def test_a_line_made_in_english_reads_in_chinese(account, owner):
    with translation.override("en"):
        order = purchase_order(account, owner, traffic=[(traffic_package("log"), 2_000_000)])
    stored = {line.kind: line.description for line in order.lines.all()}
    assert stored[OrderLineKind.PLAN] == "Startup Acceleration, 365 days"
    assert stored[OrderLineKind.TRAFFIC] == "Traffic package Log data: 2,000,000 per day for 365 days"

    with translation.override("zh-hans"):
        labels = _lines(order)
    assert labels[OrderLineKind.PLAN] == "初创加速包\uff0c365 天"
    assert labels[OrderLineKind.TRAFFIC] == "日志类数据 流量包\uff1a每日 2,000,000\uff0c共 365 天"
    with translation.override("en"):
        assert _lines(order)[OrderLineKind.PLAN] == "Startup Acceleration, 365 days"


def test_a_line_made_in_chinese_reads_in_english(account, owner):
    with translation.override("zh-hans"):
        order = purchase_order(account, owner)
    assert order.lines.get().description == "初创加速包\uff0c365 天"  # written in the request's language
    with translation.override("en"):
        assert _lines(order) == {OrderLineKind.PLAN: "Startup Acceleration, 365 days"}


def test_upgrade_and_renewal_lines_follow_the_reader(account, owner):
    with translation.override("zh-hans"):
        package = paid_package(account, owner)
        upgrade = order_create_upgrade(package=package, target_plan=plan("growth"), actor=owner)
        renewal = order_create_renewal(package=package, actor=owner)
    with translation.override("en"):
        label = _lines(upgrade)[OrderLineKind.UPGRADE]
        assert label.startswith(f"Upgrade Startup Acceleration to Growth Development from {upgrade.effective_on}: ")
        assert label.endswith(" days") and "天" not in label
        assert _lines(renewal)[OrderLineKind.PLAN] == (
            f"Renewal: Startup Acceleration, 365 days from {renewal.effective_on}")
    with translation.override("zh-hans"):
        assert _lines(upgrade)[OrderLineKind.UPGRADE].startswith(
            f"自 {upgrade.effective_on} 起由 初创加速包 升级为 创业发展包\uff1a")


def test_the_order_page_the_cashier_and_the_api_show_the_readers_language(account, owner):
    with translation.override("en"):
        order = purchase_order(account, owner)
    client = Client()
    client.force_login(owner)
    for name in ("orders-detail", "orders-pay"):
        url = reverse(name, kwargs={"account_id": account.pk, "order_id": order.pk})
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "初创加速包\uff0c365 天" in page and "Startup Acceleration" not in page, name
    answer = client.get(f"/api/v1/accounts/{account.pk}/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert answer["lines"][0]["label"] == "初创加速包\uff0c365 天"
    assert answer["lines"][0]["description"] == "Startup Acceleration, 365 days"  # kept for existing clients
