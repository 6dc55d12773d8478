"""Staff templates: the variables a reply needs, nothing else, refused when saved."""

import pytest

from app.core.templates import MAX_OUTPUT, MAX_SOURCE, TemplateError, check, render

VALUES = {
    "customer": {"name": "Ada Lovelace"},
    "ticket": {"id": "6a1b", "subject": "Box crushed"},
    "agent": {"name": "Grace"},
}


class TestRender:
    def test_variables(self) -> None:
        source = "Hi {{ customer.name }}, #{{ ticket.id }} ({{ ticket.subject }}). {{ agent.name }}"
        assert render(source, VALUES) == "Hi Ada Lovelace, #6a1b (Box crushed). Grace"

    def test_default_for_a_missing_or_empty_value(self) -> None:
        source = 'Hi {{ customer.name | default("there") }}'
        assert render(source, {"customer": {"name": ""}}) == "Hi there"
        assert render(source, {}) == "Hi there"
        assert render(source, VALUES) == "Hi Ada Lovelace"

    def test_values_are_text_not_markup(self) -> None:
        values = {"customer": {"name": "<b>{{ agent.name }}</b>"}}
        assert render("{{ customer.name }}", values) == "<b>{{ agent.name }}</b>"

    def test_output_is_bounded(self) -> None:
        values = {"ticket": {"subject": "x" * MAX_OUTPUT}}
        assert len(render("{{ ticket.subject }}!", values)) == MAX_OUTPUT


class TestCheck:
    @pytest.mark.parametrize(
        "source",
        [
            "{{ customer.__class__ }}",
            "{{ customer.email }}",
            "{{ customer }}",
            "{{ customer['name'] }}",
            "{{ ticket.subject.upper() }}",
            "{{ ticket.id | upper }}",
            "{{ customer.name | default(agent.name) }}",
            '{{ "a" * 1000000 }}',
            "{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}",
            "{% include 'x' %}",
            "{% set x = 1 %}",
            "{{ unclosed",
        ],
    )
    def test_refused(self, source: str) -> None:
        with pytest.raises(TemplateError):
            check(source)

    def test_too_long(self) -> None:
        with pytest.raises(TemplateError, match=str(MAX_SOURCE)):
            check("x" * (MAX_SOURCE + 1))

    def test_plain_text_and_comments(self) -> None:
        check("Thanks for waiting. {# internal #}")
