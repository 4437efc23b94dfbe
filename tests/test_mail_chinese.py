"""Every mail template in Simplified Chinese has no English word left, and in English it is English.

Each subject and body under templates/email is rendered through the mail owner (notifications.mail.render_mail)
in both languages, with contexts that open every branch: one where every name is false (each `if` false,
each loop empty, every `else`), one where every name is a stand-in value that is true, a number, a list of
one, and has every attribute (each `if` true, each loop once), and one per compared value (`reason`,
`rule.kind`). The Chinese text is read by the finder of the pages' crawl (tests/test_chinese_completeness.py)
with its allow-list; a label's colon must be the full-width one."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from notifications.mail import render_mail
from tests.test_chinese_completeness import WORD, english_words

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "email"
MAILS = sorted(p.name.removesuffix("_subject.txt") for p in TEMPLATES.glob("*_subject.txt"))


class Anything(Decimal):
    """A stand-in for any context value: a true number (7) that is also a list of one, has every attribute and
    can be called, so each `if` opens, each loop runs once and each money filter formats it."""

    def __new__(cls) -> Anything:
        return super().__new__(cls, 7)

    def __getattr__(self, name: str) -> Anything:
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything()

    def __getitem__(self, key: object) -> Anything:
        return Anything()

    def __iter__(self):
        return iter([Anything()])

    def __call__(self) -> Anything:
        return Anything()


class Nothing(Decimal):
    """The opposite stand-in: a false number (0), an empty list, and every attribute is Nothing again."""

    def __new__(cls) -> Nothing:
        return super().__new__(cls, 0)

    def __getattr__(self, name: str) -> Nothing:
        if name.startswith("__"):
            raise AttributeError(name)
        return Nothing()

    def __iter__(self):
        return iter([])

    def __len__(self) -> int:
        return 0


class Kind:
    def __init__(self, kind: str) -> None:
        self.kind = kind


# The values a template compares a name with, one context each.
COMPARED = {
    "credentials_revoked": [{"reason": reason} for reason in ("second_factor_on", "password_reset", "changed")],
    "forecast_warning": [{"rule": Kind(kind)} for kind in ("quota", "low_balance", "workspace_budget")],
    "auto_renew_failed": [{"shortfall": None, "reason": ""}],
}


def names(mail: str) -> set[str]:
    """Every word inside the tags and variables of the mail's two templates (a superset of its names)."""
    source = "".join((TEMPLATES / f"{mail}_{part}.txt").read_text() for part in ("subject", "body"))
    inside = " ".join(re.findall(r"\{[{%](.*?)[}%]\}", source))
    return set(re.findall(r"[A-Za-z_]\w*", inside))


def contexts(mail: str) -> list[dict]:
    nothing = {name: Nothing() for name in names(mail)}
    everything = {name: Anything() for name in names(mail)}
    return [nothing, everything] + [{**everything, **values} for values in COMPARED.get(mail, [])]


def rendered(mail: str, language: str) -> list[str]:
    texts = []
    for context in contexts(mail):
        message = render_mail(to=["someone@example.com"], subject_template=f"email/{mail}_subject.txt",
                              body_template=f"email/{mail}_body.txt", context=context, language=language)
        assert message is not None
        texts.append(f"{message.subject}\n{message.body}")
    return texts


def test_every_template_is_found():
    assert len(MAILS) >= 15
    assert all((TEMPLATES / f"{mail}_body.txt").exists() for mail in MAILS)


# The stand-ins are Decimals: gettext's plural forms warn about a counter that is not an int.
@pytest.mark.filterwarnings("ignore:Plural value must be an integer")
@pytest.mark.django_db
@pytest.mark.parametrize("mail", MAILS)
def test_each_mail_in_chinese_has_no_english_word(mail):
    for text in rendered(mail, "zh-hans"):
        escaped = text.replace("&", "&amp;").replace("<", "&lt;")
        assert english_words(f"<pre-wrap>{escaped}</pre-wrap>") == set(), text
        # Chinese punctuation: a label's colon is full-width ({% colon %}), never ": "
        assert not re.search(r"[\u4e00-\u9fff\uff09]:", text), text


@pytest.mark.filterwarnings("ignore:Plural value must be an integer")
@pytest.mark.django_db
@pytest.mark.parametrize("mail", MAILS)
def test_each_mail_in_english_is_english(mail):
    for text in rendered(mail, "en"):
        assert len(WORD.findall(text)) >= 3, text
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in text), text
