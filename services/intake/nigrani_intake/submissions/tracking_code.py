"""Tracking codes people can read over the phone.

Twelve symbols from Crockford's base32 alphabet (no I, L, O or U, so nothing looks or
sounds alike), shown as `XXXX-XXXX-XXXX`. The first eleven carry 55 bits from an HMAC, so
codes are not guessable and do not follow a sequence; the last is a Luhn mod 32 check
symbol that catches every single-symbol typo and most swaps of neighbours.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BASE = len(ALPHABET)
DATA_SYMBOLS = 11
GROUP = 4
# Crockford's reading rules: letters people confuse map to the digit they meant.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_symbol(data: str) -> str:
    """Luhn mod N over the alphabet: doubled weights from the right, as in the original."""
    total = 0
    factor = 2
    for symbol in reversed(data):
        addend = factor * ALPHABET.index(symbol)
        total += addend // _BASE + addend % _BASE
        factor = 1 if factor == 2 else 2
    return ALPHABET[(_BASE - total % _BASE) % _BASE]


def encode_tracking_code(entropy: bytes) -> str:
    """Builds a formatted code from at least 7 bytes of entropy."""
    if len(entropy) < 7:
        raise ValueError("need at least 7 bytes of entropy")
    number = int.from_bytes(entropy[:7], "big") >> (56 - 5 * DATA_SYMBOLS)
    data = "".join(
        ALPHABET[(number >> (5 * (DATA_SYMBOLS - 1 - i))) & 31] for i in range(DATA_SYMBOLS)
    )
    return _format(data + check_symbol(data))


#: What phones and word processors put in place of "-", and the Arabic-Indic and Eastern
#: Arabic-Indic (Urdu) digits a citizen may type: read as hyphens and ASCII digits.
_SEPARATORS_AND_DIGITS = str.maketrans(
    {
        **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad"), "-"),
        **{0x0660 + n: str(n) for n in range(10)},
        **{0x06F0 + n: str(n) for n in range(10)},
    }
)


def normalise_tracking_code(text: str) -> str | None:
    """The canonical form of what a person typed, or None if it cannot be a valid code."""
    typed = unicodedata.normalize("NFKC", text).translate(_SEPARATORS_AND_DIGITS)
    compact = typed.strip().upper().replace("-", "").replace(" ", "").translate(_READ_AS)
    if len(compact) != DATA_SYMBOLS + 1 or any(symbol not in ALPHABET for symbol in compact):
        return None
    if check_symbol(compact[:-1]) != compact[-1]:
        return None
    return _format(compact)


def _format(compact: str) -> str:
    return "-".join(compact[i : i + GROUP] for i in range(0, len(compact), GROUP))
