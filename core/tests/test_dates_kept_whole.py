"""Days, months and moments put into sentences never break at their hyphens (docs/UI.md "Phones")."""

from django.template import Context, Template

from core.templatetags.ui import dates_nowrap


def test_a_sentence_written_in_python_keeps_each_date_whole_and_stays_escaped():
    html = dates_nowrap("<b> changed retention from 2027-11-28 at 2027-11-28 09:30 for 2027-11")
    assert html == ('&lt;b&gt; changed retention from <span class="date">2027-11-28</span> at '
                    '<span class="date">2027-11-28 09:30</span> for <span class="date">2027-11</span>')


def test_a_date_interpolated_by_blocktranslate_is_wrapped():
    template = Template('{% load i18n ui %}{% blocktranslate with day=d|date_span %}Ends on {{ day }}.'
                        '{% endblocktranslate %}')
    assert template.render(Context({"d": "2027-11-28"})) == 'Ends on <span class="date">2027-11-28</span>.'
