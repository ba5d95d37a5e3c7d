"""How many SMS segments a text costs, and how to cut a long text into one-segment parts.

A text made only of the GSM 03.38 default alphabet travels as 7-bit septets: 160 in a
single message, 153 per part of a concatenated one (the header takes the rest). A
character of the extension table (`€`, `[`, `{`, ...) is an escape plus a septet, so it
costs two and the pair never straddles parts. Any other character (Urdu, most accents,
emoji) switches the whole message to UCS-2: 70 UTF-16 code units single, 67 per part, and a
character outside the Basic Multilingual Plane (an emoji) is a surrogate pair that costs
two units and also never straddles parts. National language shift tables (3GPP TS 23.038
has one for Urdu) are not used: few gateways and handsets agree on them.

Pure functions, no I/O.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["gsm7", "ucs2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Units per message: a single message, and each part of a concatenated one.
SINGLE_LIMIT: dict[Encoding, int] = {"gsm7": 160, "ucs2": 70}
PART_LIMIT: dict[Encoding, int] = {"gsm7": 153, "ucs2": 67}

_ZERO_WIDTH_JOINER = "\u200d"
# Characters that extend the one before them: variation selectors and emoji skin tones.
_EXTENDERS = (("\ufe00", "\ufe0f"), ("\U000e0100", "\U000e01ef"), ("\U0001f3fb", "\U0001f3ff"))


@dataclass(frozen=True)
class SegmentCount:
    """`units` are septets (GSM-7) or UTF-16 code units (UCS-2)."""

    encoding: Encoding
    units: int
    segments: int


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character is in the default alphabet or its extension table."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return "gsm7"
    return "ucs2"


def char_units(ch: str, encoding: Encoding) -> int:
    """What one character costs: an extension character two septets, a character outside
    the BMP two UTF-16 code units, anything else one."""
    if encoding == "gsm7":
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def count_segments(text: str) -> SegmentCount:
    """The segments the text costs as one (possibly concatenated) message. An empty text
    is still one message."""
    encoding = encoding_of(text)
    units = sum(char_units(ch, encoding) for ch in text)
    if units <= SINGLE_LIMIT[encoding]:
        return SegmentCount(encoding, units, 1)
    # Concatenated parts are packed greedily: a two-unit character that does not fit in
    # what is left of a part starts the next one, so a plain division can undercount.
    return SegmentCount(encoding, units, len(_pack(text, encoding, PART_LIMIT[encoding])))


def split_text(text: str) -> list[str]:
    """Cut `text` into parts that are each one single (unconcatenated) message.

    Joining the parts gives the text back exactly. A part ends after a whitespace where one
    is within reach, so words stay whole; a word longer than a message is cut, but never
    before a combining mark, next to a zero-width joiner or inside a variation sequence,
    unless that cluster alone is longer than a message.
    """
    encoding = encoding_of(text)
    return _pack(text, encoding, SINGLE_LIMIT[encoding], readable=True)


def _pack(text: str, encoding: Encoding, limit: int, *, readable: bool = False) -> list[str]:
    """Greedy parts of at most `limit` units. Counting packs like a gateway does (any
    character boundary); `readable` parts end at words and whole clusters instead."""
    parts: list[str] = []
    start = 0
    while start < len(text):
        end = _fill(text, start, encoding, limit)
        if readable and end < len(text):
            end = _break_point(text, start, end)
        parts.append(text[start:end])
        start = end
    return parts or [""]


def _fill(text: str, start: int, encoding: Encoding, limit: int) -> int:
    """The end of the longest run from `start` that fits in `limit` units (at least one
    character, so that progress is guaranteed)."""
    used = 0
    end = start
    while end < len(text):
        cost = char_units(text[end], encoding)
        if used + cost > limit and end > start:
            break
        used += cost
        end += 1
    return end


def _break_point(text: str, start: int, end: int) -> int:
    """Where to cut the run text[start:end] that must end by `end`: after its last
    whitespace, else at the last place that does not split a character cluster, else
    `end` itself."""
    for cut in range(end, start, -1):
        if text[cut - 1].isspace() and _may_cut(text, cut):
            return cut
    for cut in range(end, start, -1):
        if _may_cut(text, cut):
            return cut
    return end


def _may_cut(text: str, cut: int) -> bool:
    """False when the character at `cut` belongs to the one before it (a combining mark,
    a variation selector, an emoji skin tone) or either side is a zero-width joiner."""
    before, after = text[cut - 1], text[cut]
    if _ZERO_WIDTH_JOINER in (before, after):
        return False
    if unicodedata.category(after) in ("Mn", "Mc", "Me"):
        return False
    return not any(low <= after <= high for low, high in _EXTENDERS)
