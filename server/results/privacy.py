"""Masking personal data in a citizen's comment before it is shown or exported.

Citizens sometimes write their personal number, phone or e-mail into a comment ("call me",
"my pension did not come, ID …"). Those comments are read by staff, moderated and perhaps
published, so what identifies a person is replaced by a bracketed, language-neutral
placeholder before any of that; the pages translate the placeholders. What is masked:

- E-mail addresses: ``local@domain.tld`` with an ASCII local part (letters, digits and
  ``. _ % + -``, and ``'`` after the first character, as in O'Neil) and domain; the address
  ends at the last letter of its top-level domain, so a Georgian ending written on
  ("…@mail.ge-ზე", "…@mail.geზე") or a full stop after it stays.
- Phone numbers (Georgian numbering: nine-digit national numbers):
  - ``+995``, ``00995`` or ``995`` followed by nine digits, with spaces, hyphens or
    parentheses anywhere among them ("+995 599 12 34 56", "+995 (32) 2 12 34 56",
    "995599123456");
  - a landline with its trunk 0: ten digits starting 03 or 04, spaced the same way
    ("032 2 12 34 56", "0322123456", "(0431) 24 56 78");
  - a mobile number: nine digits starting 5, written together or as 3-2-2-2, 3-3-3 or 3-6
    ("599 12 34 56", "599-123-456", "(599) 123456", "599123456");
  - a Tbilisi number without area code, seven digits starting 2, only when grouped as
    "2 12 34 56" or "212 34 56" (a bare 2123456 may just as well be an amount).
  A mobile-like or Tbilisi-like number followed by a currency (₾, GEL, ლარი, lari, $, €) is
  an amount and stays.
- Georgian personal numbers: exactly eleven digits in one run. Digits are never grouped in
  practice, so a run with spaces is not taken for one; a run of ten or twelve digits is
  something else (an account, a card) and stays.

No number counts when digits run on directly before or after it (a 12-digit run holds no
11-digit personal number, a 10-digit run no 9-digit mobile). Years, amounts, times (10:30)
and dates (12.03.2026) stay: dots and colons never join digits here. Letters around a
number do not matter, in Mkhedruli or Latin ("პ/ნ01001012345", "ტელ:599123456").
Over-masking an odd number is the cheaper mistake, but these rules are kept narrow enough
that the figures citizens write about programs (sums, dates, counts) survive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERSONAL_NUMBER = "[personal number]"
PHONE = "[phone]"
EMAIL = "[e-mail]"
PLACEHOLDERS = (PERSONAL_NUMBER, PHONE, EMAIL)
"""Every placeholder a masked text can hold; the pages translate them for display."""

_SPACE = r"[ \u00a0\-]"
"""What may separate digit groups: a space, a no-break space or a hyphen."""
_SEP = rf"(?:{_SPACE}?\(|\){_SPACE}?|{_SPACE})?"
"""An optional separator between two digits, parentheses included: "599 12", "(32) 2"."""
_NO_DIGIT_BEFORE = r"(?<![0-9])"
_NO_DIGIT_AFTER = r"(?![0-9])"
_NOT_AMOUNT = r"(?!\s?(?:₾|GEL|ლარ|lari|\$|€))"
_S = rf"{_SPACE}?"


def _digits(count: int) -> str:
    """``count`` digits with an optional separator between any two."""
    return rf"[0-9](?:{_SEP}[0-9]){{{count - 1}}}"


_INTERNATIONAL = rf"(?<![0-9+])(?:(?:\+|00){_S})?995{_SEP}{_digits(9)}{_NO_DIGIT_AFTER}"
_LANDLINE = rf"{_NO_DIGIT_BEFORE}\(?0[34]{_SEP}{_digits(8)}{_NO_DIGIT_AFTER}"
_MOBILE = (
    rf"{_NO_DIGIT_BEFORE}\(?5[0-9]{{2}}\)?{_S}"
    rf"(?:[0-9]{{2}}{_S}[0-9]{{2}}{_S}[0-9]{{2}}|[0-9]{{3}}{_S}[0-9]{{3}})"
    rf"{_NO_DIGIT_AFTER}{_NOT_AMOUNT}"
)
_TBILISI = (
    rf"{_NO_DIGIT_BEFORE}(?:2{_SPACE}[0-9]{{2}}|2[0-9]{{2}})"
    rf"{_SPACE}[0-9]{{2}}{_SPACE}[0-9]{{2}}{_NO_DIGIT_AFTER}{_NOT_AMOUNT}"
)
_EMAIL = (
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-][A-Za-z0-9._%+'\-]*@"
    r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
    r"\.[A-Za-z]{2,}"
)
_PERSONAL_NUMBER = rf"{_NO_DIGIT_BEFORE}[0-9]{{11}}{_NO_DIGIT_AFTER}"

# One pass, so a masked part is never looked at again; at any one place the e-mail is tried
# first (its local part may hold a phone) and the phone forms before the personal number.
_PATTERN = re.compile(
    "|".join(
        [
            rf"(?P<email>{_EMAIL})",
            rf"(?P<phone>{_INTERNATIONAL}|{_LANDLINE}|{_MOBILE}|{_TBILISI})",
            rf"(?P<personal_number>{_PERSONAL_NUMBER})",
        ]
    )
)
_PLACEHOLDER = {"email": EMAIL, "phone": PHONE, "personal_number": PERSONAL_NUMBER}


@dataclass(frozen=True)
class Masked:
    """A text with its personal data replaced, and how many of each kind were replaced (a
    moderator may want to know that a comment had some)."""

    text: str
    personal_numbers: int = 0
    phones: int = 0
    emails: int = 0

    @property
    def total(self) -> int:
        return self.personal_numbers + self.phones + self.emails


def mask_personal_data(text: str) -> Masked:
    """``text`` with every personal number, phone number and e-mail address replaced by
    ``PERSONAL_NUMBER``, ``PHONE`` or ``EMAIL``."""
    found = {kind: 0 for kind in _PLACEHOLDER}

    def replace(match: re.Match[str]) -> str:
        kind = match.lastgroup
        assert kind is not None  # every alternative is a named group
        found[kind] += 1
        return _PLACEHOLDER[kind]

    masked = _PATTERN.sub(replace, text)
    return Masked(masked, found["personal_number"], found["phone"], found["email"])
