"""The one formatter (core/formatting.py, its template filters) and the pages' forgiving amount parser
(core.money.parse_page_amount); the API keeps its strict grammar."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core import formatting
from core.csv import COLUMNS, header
from core.money import parse_amount, parse_page_amount


@pytest.mark.parametrize(("typed", "expected"), [
    ("1,000.00", "1000.00"), ("¥1,000", "1000.00"), ("￥1 000", "1000.00"), ("1000", "1000.00"),
    ("¥200,000", "200000.00"), (" 1,234,567.8 元", "1234567.80"), ("RMB 12.5", "12.50"), ("1\u00a0000", "1000.00"),
    ("1\uff0c000", "1000.00"),
])
def test_pages_read_amounts_as_people_type_them(typed, expected):
    assert parse_page_amount(typed) == Decimal(expected)


@pytest.mark.parametrize("typed", ["1,00", "10,0000", "1,000,00", "1e5", "\uff11\uff10\uff10", "-¥12", "0", "1.001",
                                   "", "¥", "NaN"])
def test_pages_still_refuse_what_is_not_an_amount(typed):
    with pytest.raises(ValueError):
        parse_page_amount(typed)


def test_page_messages_are_in_the_interface_language():
    with translation.override("zh-hans"), pytest.raises(ValueError) as error:
        parse_page_amount("abc")
    assert "100.00" in str(error.value) and "Enter" not in str(error.value)


@pytest.mark.parametrize("typed", ["1,000.00", "¥1000", "1 000"])
def test_the_api_keeps_its_strict_grammar(typed):
    with pytest.raises(ValueError):
        parse_amount(typed, strict=True)


def test_one_look_for_money_numbers_and_days():
    assert formatting.money(Decimal("-336569")) == "-¥336,569.00"
    assert formatting.money(Decimal("42000")) == "¥42,000.00" and formatting.money(None) == ""
    assert formatting.price(Decimal("3.0000")) == "¥3.00" and formatting.price(Decimal("0.0350")) == "¥0.035"
    assert formatting.number(Decimal("3.0000")) == "3" and formatting.number(40_000_000) == "40,000,000"
    assert formatting.number(Decimal("1.2500")) == "1.25"
    assert formatting.day(dt.date(2026, 11, 20)) == "2026-11-20" and formatting.month(dt.date(2026, 11, 1)) == "2026-11"
    moment = dt.datetime(2026, 12, 1, 13, 33, tzinfo=dt.UTC)

    class Account:
        time_zone = "Asia/Shanghai"

    assert formatting.moment(moment, Account()) == "2026-12-01 21:33"
    assert formatting.day(moment.replace(hour=20), Account()) == "2026-12-02"  # the account's day


def test_template_filters_use_the_formatter():
    out = Template("{% load money %}{{ a|cny }} {{ p|price }} {{ q|qty }} {{ d|day }} {{ m|month }}").render(
        Context({"a": Decimal("-68"), "p": Decimal("3.0000"), "q": 1000000, "d": dt.date(2026, 1, 2),
                 "m": dt.date(2026, 1, 1)}))
    assert out == "-¥68.00 ¥3.00 1,000,000 2026-01-02 2026-01"


def test_csv_headings_come_from_one_place_in_both_languages():
    assert set(COLUMNS) >= {"month", "amount", "day", "memo"}
    with translation.override("en"):
        assert header("month", "amount") == ["Month", "Amount (CNY)"]
    with translation.override("zh-hans"):
        zh = header("month", "amount")
    assert zh[0] == "月份" and zh[1] != "Amount (CNY)"


WINTER = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 15, 12, 0, tzinfo=dt.UTC)


def test_time_zones_are_named_as_a_reader_names_them_with_their_offset():
    with translation.override("en"):
        assert formatting.zone_name("Asia/Shanghai", at=WINTER) == "Beijing time (UTC+8)"
        assert formatting.zone_name("Europe/Paris", at=WINTER) == "Europe/Paris (UTC+1)"
        assert formatting.zone_name("Europe/Paris", at=SUMMER) == "Europe/Paris (UTC+2)"
        assert formatting.zone_name("America/New_York", at=WINTER) == "New York time (UTC-5)"
        assert formatting.zone_name("Asia/Kolkata", at=WINTER) == "Asia/Kolkata (UTC+5:30)"
        assert formatting.zone_name("UTC", at=WINTER) == "UTC"
    with translation.override("zh-hans"):
        assert formatting.zone_name("Asia/Shanghai", at=WINTER) == "北京时间（UTC+8）"  # noqa: RUF001
        assert formatting.zone_name("Europe/Paris", at=SUMMER) == "Europe/Paris（UTC+2）"  # noqa: RUF001


def test_the_footer_names_the_accounts_zone(account, owner_client):
    page = owner_client.get(f"/a/{account.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "北京时间（UTC+8）" in page and "Asia/Shanghai" not in page  # noqa: RUF001
    page = owner_client.get(f"/a/{account.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "time zone, Beijing time (UTC+8)." in page
