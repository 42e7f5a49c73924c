"""Links: bare domains, punycode, homoglyphs, zero-width, shorteners and look-alikes."""

from __future__ import annotations

from dmdesk.triage.links import find_links


def flags(text: str, brands: tuple[str, ...] = ()) -> list[str]:
    return [f for link in find_links(text, brand_names=brands) for f in link.flags]


def test_digit_lookalike_of_a_known_brand() -> None:
    assert any(f.startswith("lookalike domain paypa1.com") for f in flags("go to paypa1.com/x"))


def test_punycode_link() -> None:
    found = flags("https://xn--pypal-4ve.com/login")
    assert "punycode link" in found


def test_cyrillic_homoglyph_link() -> None:
    found = flags("check www.\u0430pple.com now")
    assert "homoglyph link" in found
    assert any("(apple)" in f for f in found)


def test_zero_width_characters_inside_a_link() -> None:
    assert "zero-width characters in link" in flags("pay\u200bpal.com/verify")


def test_shortener_and_real_domains() -> None:
    assert flags("see bit.ly/abc") == ["shortened link"]
    assert flags("see paypal.com and amazon.co.uk") == []


def test_x_link_wrapper_is_not_a_shortener() -> None:
    # X wraps every shared link in t.co, so a tweet or X DM with a link is not suspicious for it
    assert flags("Thank you very much. https://t.co/Amd1lUH7x1") == []
    assert flags("claim it at https://t.co/abc and bit.ly/xyz") == ["shortened link"]


def test_workspace_brand_lookalike_but_not_own_domain() -> None:
    brands = ("Acme Shop",)
    assert any("acmeshop" in f for f in flags("login at acme-sh0p.net", brands))
    assert flags("visit acme-shop.com", brands) == []


def test_brand_in_subdomain_of_another_domain() -> None:
    assert any("(paypal)" in f for f in flags("paypal.com.secure-check.ru/login"))


def test_no_links_in_plain_text() -> None:
    assert find_links("hello... e.g. this is fine") == ()
