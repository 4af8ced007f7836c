"""Staff authentication: ``Authorization: Bearer <token>`` against the tokens of ``STAFF_TOKENS``.

Tokens belong to named staff (``name:token,name:token``); the name is what the audit log records.
The presented token is compared with *every* configured token in constant time
(:func:`hmac.compare_digest`), so neither the answer nor its timing tells which tokens exist.
The console keeps the token in ``sessionStorage`` and sends it as this header: there are no
cookies, so there is nothing a cross-site request could ride on.
"""
from __future__ import annotations

import hmac
from typing import Mapping

MAX_TOKEN_BYTES = 512


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, else None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def staff_name(presented: str | None, tokens: Mapping[str, str]) -> str | None:
    """The name of the staff member whose token was presented, or None."""
    if presented is None:
        return None
    candidate = presented.encode("utf-8", errors="replace")
    if len(candidate) > MAX_TOKEN_BYTES:
        return None
    found: str | None = None
    for token, name in tokens.items():  # no early exit: every token is compared
        if hmac.compare_digest(candidate, token.encode("utf-8")):
            found = name
    return found
