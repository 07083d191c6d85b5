"""Personal data in comments is masked; the numbers citizens write about programs are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.results.privacy import (
    EMAIL,
    PERSONAL_NUMBER,
    PHONE,
    PLACEHOLDERS,
    Masked,
    mask_personal_data,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("პირადი ნომერი 01001012345, ნახეთ.", f"პირადი ნომერი {PERSONAL_NUMBER}, ნახეთ."),
        ("პ/ნ:01024056789", f"პ/ნ:{PERSONAL_NUMBER}"),
        ("პ/ნ01024056789-ით ვერ შევედი", f"პ/ნ{PERSONAL_NUMBER}-ით ვერ შევედი"),
        ("My ID is 61001074561.", f"My ID is {PERSONAL_NUMBER}."),
        ("„01001012345“ — ეს ჩემია", f"„{PERSONAL_NUMBER}“ — ეს ჩემია"),
        ("ID 03001012345 (like a landline)", f"ID {PERSONAL_NUMBER} (like a landline)"),
        ("99559912345", PERSONAL_NUMBER),  # eleven digits: a number too short for a phone
    ],
)  # fmt: skip
def test_personal_numbers_are_masked(text: str, expected: str) -> None:
    masked = mask_personal_data(text)
    assert masked == Masked(expected, personal_numbers=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("დამირეკეთ: +995 599 12 34 56", f"დამირეკეთ: {PHONE}"),
        ("+995599123456", PHONE),
        ("995 599 12 34 56-ზე დარეკეთ", f"{PHONE}-ზე დარეკეთ"),
        ("ნომერი 995599123456, საღამოს", f"ნომერი {PHONE}, საღამოს"),
        ("00995 577 123 456", PHONE),
        ("+995-599-12-34-56", PHONE),
        ("+995 (599) 12-34-56", PHONE),
        ("+995 (32) 2 12 34 56", PHONE),
        ("+995 32 212 34 56 (office)", f"{PHONE} (office)"),
        ("ტელ. 599 12 34 56", f"ტელ. {PHONE}"),
        ("ტელ599123456ზე", f"ტელ{PHONE}ზე"),
        ("call 599-123-456 after 6", f"call {PHONE} after 6"),
        ("(599) 12 34 56", PHONE),
        ("(599) 123456", PHONE),
        ("599 1234 56", PHONE),
        ("599\u00a012\u00a034\u00a056", PHONE),
        ("ოფისი: 032 2 12 34 56", f"ოფისი: {PHONE}"),
        ("0322123456", PHONE),
        ("(032) 2 12 34 56", PHONE),
        ("0322 12 34 56", PHONE),
        ("ქუთაისი (0431) 24 56 78", f"ქუთაისი {PHONE}"),
        ("თბილისში: 2 12 34 56", f"თბილისში: {PHONE}"),
        ("Tbilisi 212 34 56.", f"Tbilisi {PHONE}."),
        ("212-34-56", PHONE),
    ],
)  # fmt: skip
def test_phone_numbers_are_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text) == Masked(expected, phones=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("giorgi.beridze@gmail.com", EMAIL),
        ("მომწერეთ nino_k+kiosk@mail.ge-ზე", f"მომწერეთ {EMAIL}-ზე"),
        ("მომწერეთ nino@mail.geზე", f"მომწერეთ {EMAIL}ზე"),
        ("Write to info@tbilisi.gov.ge.", f"Write to {EMAIL}."),
        ("„test.user@sub-domain.example.com“", f"„{EMAIL}“"),
        ("(Anna.O'Neil@x.io)", f"({EMAIL})"),
        ("'nino@mail.ge'", f"'{EMAIL}'"),
        ("599123456@mail.ge", EMAIL),  # a phone inside an address is the address
        ("01001012345@mail.ge", EMAIL),
    ],
)  # fmt: skip
def test_email_addresses_are_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text) == Masked(expected, emails=1)


def test_a_comment_with_everything() -> None:
    text = (
        "გამარჯობა! ნინო ვარ, პ/ნ 01001012345. პენსია არ ჩამერიცხა 12.03.2026-ს, 1500 ₾ "
        "მელოდებოდა. დამირეკეთ 599 12 34 56 ან +995 32 2 12 34 56, ან მომწერეთ "
        "nino.k@mail.ge-ზე; 10:30-მდე ვარ სახლში. Also 555123456 and x@y.com."
    )
    masked = mask_personal_data(text)
    assert masked.text == (
        f"გამარჯობა! ნინო ვარ, პ/ნ {PERSONAL_NUMBER}. პენსია არ ჩამერიცხა 12.03.2026-ს, 1500 ₾ "
        f"მელოდებოდა. დამირეკეთ {PHONE} ან {PHONE}, ან მომწერეთ "
        f"{EMAIL}-ზე; 10:30-მდე ვარ სახლში. Also {PHONE} and {EMAIL}."
    )
    assert (masked.personal_numbers, masked.phones, masked.emails) == (1, 3, 2)
    assert masked.total == 6


@pytest.mark.parametrize(
    "text",
    [
        "2026 წელს პროგრამა უკეთესი იყო",
        "In 2026 the program was better.",
        "დახმარება 1500 ₾ იყო, 2025-ში 1 200 ლარი.",
        "It paid 1500 GEL, or 15 000 lari over ten months.",
        "ბიუჯეტი 500 000 000 ₾",  # grouped like a mobile number, but an amount
        "500000000 ლარი",
        "500 000 000 GEL",
        "2 120 000 ₾",
        "რიგში 10:30-დან 12:30-მდე ვიდექი",
        "12.03.2026",
        "12.03.2026 10:30",
        "2026-03-12",
        "01.03.2026-31.03.2026",
        "ოთახი 214, სართული 3",
        "I waited 45 minutes, number 17 in line.",
        "1234567890",  # ten digits: not a personal number
        "123456789012",  # twelve digits: not a personal number
        "5991234567",  # ten digits: not a mobile number
        "12345678901234567890",
        "2123456",  # a bare seven-digit run may be an amount
        "12 34 56",
        "IBAN GE29NB0000000101904917",
        "@giorgi on social media",
        "a@b (no domain)",
        "email@localhost",
        "ხუთიდან 5, 4, 3",
        "",
    ],
)
def test_ordinary_numbers_stay(text: str) -> None:
    assert mask_personal_data(text) == Masked(text)


def test_placeholders_are_bracketed_and_hold_nothing_to_mask() -> None:
    assert PLACEHOLDERS == ("[personal number]", "[phone]", "[e-mail]")
    for placeholder in PLACEHOLDERS:
        assert mask_personal_data(placeholder) == Masked(placeholder)


@given(st.text(alphabet="0123456789 -+().@:/abegzოზ₾\u00a0", max_size=60))
def test_masking_twice_changes_nothing_more(text: str) -> None:
    once = mask_personal_data(text)
    assert mask_personal_data(once.text) == Masked(once.text)
