"""Text people type: hygiene for what is stored (refuse invisible or control characters,
normalise the rest) and a key for comparing names.

A NUL or a right-to-left override in a district or a name is stored, shown to staff and
published in events, where it hides or reorders what people read ("La\\u0000hore" reaches
no Lahore rule). Such input is refused with a reason that names the character's code
point, never the submitted text. Accepted text is normalised to NFC, so that one word typed
on two keyboards is one string in the store and in routing.

Allowed on purpose (Unicode category Cf, but part of ordinary Urdu and mixed-script text):
ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER (letter shapes, emoji sequences) and the
implicit direction marks LRM, RLM and ALM (they steer neutral characters only and cannot
reorder text the way the embedding, override and isolate controls can).


Comparing names (`comparison_key`): the same district spelled " LAHORE", "lahore" or
"Dera  Ghazi\u00a0Khan" should meet its canonical form. Compatibility-normalised (NFKC:
full-width letters, ligatures, composed and decomposed accents) and case-folded, invisible
format characters (joiners, direction marks) dropped, every run of whitespace made one
space. Urdu spellings meet only themselves: that is what the aliases in a list of names
are for.
"""

from __future__ import annotations

import unicodedata

from pydantic_core import PydanticCustomError

ALLOWED_FORMAT_CHARACTERS = frozenset("\u200c\u200d\u200e\u200f\u061c")
#: Printable, yet they show nothing: the Braille blank and the Hangul fillers.
BLANK_LOOKING = frozenset("\u2800\u3164\u115f\u1160\uffa0")
MULTILINE_WHITESPACE = frozenset("\n\t\r")


def _refusal(character: str) -> PydanticCustomError | None:
    """Why this character is refused, or None when it is acceptable."""
    category = unicodedata.category(character)
    point = f"U+{ord(character):04X}"
    if category == "Cc":
        return PydanticCustomError(
            "text_control_character",
            "contains the control character {code_point}; remove it",
            {"code_point": point},
        )
    if category == "Cs":
        return PydanticCustomError(
            "text_lone_surrogate",
            "contains an unpaired surrogate {code_point}: the text is not valid Unicode",
            {"code_point": point},
        )
    if category == "Cf" and character not in ALLOWED_FORMAT_CHARACTERS:
        return PydanticCustomError(
            "text_format_character",
            "contains the invisible formatting character {code_point} "
            "(such as a direction override); remove it",
            {"code_point": point},
        )
    return None


def _check(value: str, allowed: frozenset[str]) -> None:
    for character in value:
        if character in allowed or character.isprintable():
            continue  # the common case: printable characters are never refused
        refusal = _refusal(character)
        if refusal is not None:
            raise refusal


def _shows_nothing(character: str) -> bool:
    """Space, an allowed invisible mark, a blank-looking letter, or a mark that only
    modifies another character (a combining accent, a variation selector)."""
    return (
        character.isspace()
        or character in ALLOWED_FORMAT_CHARACTERS
        or character in BLANK_LOOKING
        or unicodedata.category(character) in ("Mn", "Me")
    )


def _not_blank(value: str) -> str:
    if all(_shows_nothing(c) for c in value):
        raise PydanticCustomError("text_blank", "must contain visible characters")
    return value


def single_line(value: str) -> str:
    """A name, an address, a district, a code: no control characters at all (tabs and line
    breaks included), runs of spaces (non-breaking ones too) collapsed to one space."""
    _check(value, frozenset())
    return _not_blank(" ".join(unicodedata.normalize("NFC", value).split()))


def multi_line(value: str) -> str:
    """A description: line breaks and tabs are kept (line endings become "\\n"), every
    other control character is refused."""
    _check(value, MULTILINE_WHITESPACE)
    unified = value.replace("\r\n", "\n").replace("\r", "\n")
    return _not_blank(unicodedata.normalize("NFC", unified))


def comparison_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join(unicodedata.normalize("NFC", visible).split())
