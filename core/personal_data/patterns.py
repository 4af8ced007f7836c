"""How mobile numbers and e-mail addresses are written, shared by the validators of the form
(:mod:`submissions.validation`) and the masks (:mod:`core.personal_data.masking`), so a number
accepted by one is also recognised by the other."""
from __future__ import annotations

from core.textnorm import to_halfwidth_alnum

# What citizens put between the digit groups of a mobile or ID number: spaces, dashes of every
# width, brackets. The validators drop them; the masks look through them inside free text.
DIGIT_SEPARATORS = r"\s\-－—–‐‑‒―()（）"

# An e-mail address, also as found inside free text.
EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"

_CONTACT_PUNCTUATION = str.maketrans({"＋": "+", "＠": "@", "．": "."})


def ascii_contact_text(text: str) -> str:
    """Full-width digits, letters and the ``＋ ＠ ．`` of phone numbers and e-mail addresses in ASCII."""
    return to_halfwidth_alnum(text).translate(_CONTACT_PUNCTUATION)
