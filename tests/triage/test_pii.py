"""Personal data: Luhn exactness for cards, IBAN mod-97, e-mail, phone and masking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmdesk.triage.pii import find_pii, iban_ok, luhn_ok, mask_pii


def _with_check_digit(body: str) -> str:
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError("unreachable")


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_pii(text)]


def test_known_test_cards_are_caught_and_masked() -> None:
    found = find_pii("card 4111 1111 1111 1111 thanks")
    assert [f.kind for f in found] == ["card"]
    assert found[0].preview.endswith("1111")
    assert "4111" not in found[0].preview


def test_luhn_failing_number_is_not_a_card() -> None:
    assert "card" not in kinds("card 4111 1111 1111 1112 thanks")


def test_length_boundaries() -> None:
    assert "card" in kinds(_with_check_digit("4" * 11))  # 12 digits
    assert "card" in kinds(_with_check_digit("5" * 18))  # 19 digits
    assert "card" not in kinds(_with_check_digit("4" * 10))  # 11 digits
    assert "card" not in kinds(_with_check_digit("4" * 19))  # 20 digits


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=11, max_size=18), st.sampled_from(["", " ", "-"]))
def test_every_luhn_valid_number_is_caught(body: str, sep: str) -> None:
    number = _with_check_digit(body)
    grouped = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    assert "card" in kinds(f"my card is {grouped} ok")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=12, max_size=19))
def test_no_luhn_failing_number_is_flagged_as_card(number: str) -> None:
    if not luhn_ok(number):
        assert "card" not in kinds(f"ref {number} end")


def test_iban_checks() -> None:
    assert iban_ok("GB82WEST12345698765432")
    assert iban_ok("DE89 3704 0044 0532 0130 00")
    assert not iban_ok("GB82WEST12345698765433")
    assert kinds("pay to DE89 3704 0044 0532 0130 00 please") == ["iban"]
    assert "iban" not in kinds("pay to GB82WEST12345698765433 please")


@pytest.mark.parametrize("letter", ["İ", "ı", "ſ", "\u212a"])
def test_iban_candidate_with_a_letter_that_folds_to_ascii(letter: str) -> None:
    """Case-insensitive [A-Z] also matches these four; they used to raise ValueError."""
    assert not iban_ok(f"GB82WEST1234569876543{letter}")
    assert kinds(f"IBAN GB82 WEST 1234 5698 7654 32 {letter}yi günler") == ["iban"]


def test_email_and_phone() -> None:
    found = find_pii("mail jane.doe@example.co.uk or call +44 20 7946 0958")
    assert [f.kind for f in found] == ["email", "phone"]
    assert "jane.doe" not in found[0].preview


def test_dates_and_ips_are_not_phones() -> None:
    assert kinds("on 2024-01-15 from 192.168.10.1") == []


def test_mask_pii_removes_values() -> None:
    text = "mail a@b.io card 4111111111111111"
    masked = mask_pii(text, find_pii(text))
    assert masked == "mail [email] card [card]"


def test_huge_text_is_fine() -> None:
    assert find_pii("1234 " * 4000) is not None
