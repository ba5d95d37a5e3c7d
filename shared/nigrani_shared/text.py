"""Comparing names people type: the same district spelled " LAHORE", "lahore" or
"Dera  Ghazi\u00a0Khan" should meet its canonical form.

Compatibility-normalised (NFKC: full-width letters, ligatures, composed and decomposed
accents) and case-folded, invisible format characters (joiners, direction marks) dropped,
every run of whitespace made one space. Urdu spellings meet only themselves: that is what
the aliases in a list of names are for.
"""

from __future__ import annotations

import unicodedata


def comparison_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join(unicodedata.normalize("NFC", visible).split())
