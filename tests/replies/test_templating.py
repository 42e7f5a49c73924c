"""The saved-reply renderer: allow-listed variables only, no attribute reach, no injection."""

from __future__ import annotations

import pytest

from dmdesk.domain.templating import personalisation_warning, render, render_html

VALUES = {"contact.first_name": "Maria", "agent.name": "Ana Ruiz", "order.number": "A-17"}


def test_allowed_variables_are_filled() -> None:
    out = render("Hi {{contact.first_name}}, order {{ order.number }} - {{agent.name}}", VALUES)
    assert out.text == "Hi Maria, order A-17 - Ana Ruiz"
    assert out.ok


@pytest.mark.parametrize(
    "body",
    [
        "{{contact.__class__}}",
        "{{contact.first_name.__class__.__mro__}}",
        "{{ settings.secret_key }}",
        "{{agent.password_hash}}",
        "{{ 7*7 }}",
        "{{contact['name']}}",
        "{% for x in y %}{{x}}{% endfor %}{{config}}",
    ],
)
def test_attribute_reach_and_expressions_never_resolve(body: str) -> None:
    out = render(body, {**VALUES, "contact": "X", "config": "SECRET"})
    assert not out.ok
    assert "SECRET" not in out.text
    assert "49" not in out.text


def test_values_are_not_reparsed() -> None:
    sneaky = {"contact.first_name": "{{agent.name}}", "agent.name": "Ana"}
    assert render("Hi {{contact.first_name}}", sneaky).text == "Hi {{agent.name}}"


def test_markup_in_values_is_escaped_in_html() -> None:
    html = render_html("Hi {{contact.first_name}} <b>", {"contact.first_name": "<script>x()"})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;" in html


def test_unresolved_are_listed_and_marked() -> None:
    out = render("Hi {{contact.first_name}}, see you {{next_opening}}", {})
    assert out.unresolved == ("contact.first_name", "next_opening")
    assert '<mark class="unresolved">' in render_html("{{next_opening}}", {})


def test_personalisation_warning() -> None:
    generic = "Thanks for reaching out!\nWe will check."
    assert personalisation_warning(generic, "Thanks for reaching out!\nWe will check.")
    assert personalisation_warning(generic, "Hi Maria, thanks!\nWe will check.") is None
    assert personalisation_warning("Hi {{contact.first_name}}\nok", "Hi Maria\nok") is None
