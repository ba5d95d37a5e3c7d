"""SMS segment counting (GSM-7 vs UCS-2) and the one-segment split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nigrani_notify.channels.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SegmentCount,
    count_segments,
    encoding_of,
    split_text,
)

# "Your request has been received. Tracking code"
URDU = "آپ کی درخواست موصول ہو گئی ہے۔ ٹریکنگ کوڈ"  # noqa: RUF001
ALEF = "\u0627"


def test_plain_english_is_gsm7_and_counts_one_septet_per_character() -> None:
    assert count_segments("Your request NGR-7KQ2 was received.") == SegmentCount("gsm7", 35, 1)


def test_extension_characters_cost_two_septets() -> None:
    assert count_segments("€10 [a]") == SegmentCount("gsm7", 10, 1)
    assert count_segments("{}\\^~|\f") == SegmentCount("gsm7", 14, 1)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # 160 septets
        ("€" * 81, 2),
        ("a" * 159 + "€", 2),  # 161 septets
    ],
)
def test_gsm7_boundaries(text: str, segments: int) -> None:
    assert count_segments(text).encoding == "gsm7"
    assert count_segments(text).segments == segments


def test_an_escape_pair_never_straddles_parts() -> None:
    # 152 + 2 + 152 = 306 septets, two parts of 153 by arithmetic; but the escape pair
    # does not fit in what is left of part one, so it moves whole and a third part follows.
    assert count_segments("a" * 152 + "€" + "a" * 152) == SegmentCount("gsm7", 306, 3)
    assert count_segments("a" * 153 + "€" + "a" * 151) == SegmentCount("gsm7", 306, 2)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        (ALEF * 70, 1),
        (ALEF * 71, 2),
        (ALEF * 134, 2),
        (ALEF * 135, 3),
    ],
)
def test_ucs2_boundaries(text: str, segments: int) -> None:
    assert count_segments(text).encoding == "ucs2"
    assert count_segments(text).segments == segments


def test_urdu_text_is_ucs2() -> None:
    count = count_segments(URDU)
    assert count.encoding == "ucs2"
    assert count.units == len(URDU)
    assert count.segments == 1


def test_one_urdu_letter_makes_the_whole_message_ucs2() -> None:
    assert encoding_of("a" * 100) == "gsm7"
    assert count_segments("a" * 100 + "ک") == SegmentCount("ucs2", 101, 2)


def test_emoji_count_two_utf16_units_and_never_straddle_parts() -> None:
    assert count_segments("👍") == SegmentCount("ucs2", 2, 1)
    assert count_segments("👍" * 35).segments == 1  # 70 units
    assert count_segments("👍" * 36).segments == 2
    # 66 units then a surrogate pair: the pair does not fit in part one's 67.
    assert count_segments(ALEF * 66 + "👍" + ALEF * 66).segments == 3


def test_characters_outside_both_tables_are_ucs2() -> None:
    assert encoding_of("Ça café") == "gsm7"
    assert encoding_of("ça") == "ucs2"  # the table has the capital only
    assert encoding_of("naïve") == "ucs2"
    assert encoding_of("`") == "ucs2"


def test_the_tables_do_not_overlap_and_have_the_standard_sizes() -> None:
    assert len(GSM7_BASIC) == 127  # 128 code points less the escape
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION


def test_empty_text_is_one_message() -> None:
    assert count_segments("") == SegmentCount("gsm7", 0, 1)
    assert split_text("") == [""]


def test_split_breaks_after_a_word() -> None:
    words = "word " * 40  # 200 characters
    parts = split_text(words)
    assert parts == ["word " * 32, "word " * 8]


def test_split_cuts_a_word_longer_than_a_message() -> None:
    assert split_text("x" * 200) == ["x" * 160, "x" * 40]


def test_split_keeps_urdu_words_and_diacritics_whole() -> None:
    text = (URDU + " ") * 5
    parts = split_text(text)
    assert "".join(parts) == text
    assert len(parts) > 1
    for part in parts:
        assert count_segments(part).segments == 1
        assert part.endswith(" ")
    marked = "بَ" * 50  # a letter and its zabar, 100 code points with no space
    for part in split_text(marked):
        assert not part.startswith("\u064e")


def test_split_never_separates_an_emoji_from_its_skin_tone_or_its_joiner() -> None:
    # 67 + 2 units fit, the skin tone (2 more) does not: the cut moves before the thumb.
    assert split_text(ALEF * 67 + "👍🏽") == [ALEF * 67, "👍🏽"]
    # A family is man, joiner, woman: no cut on either side of the joiner.
    family = "👨\u200d👩"
    assert split_text(ALEF * 67 + family) == [ALEF * 67, family]
    assert split_text(ALEF * 66 + family) == [ALEF * 66, family]


def test_split_after_a_space_still_keeps_a_combining_mark_with_its_letter() -> None:
    # The run ends after the space, but the mark after it belongs to the space.
    text = "a" * 69 + " \u064eb"
    parts = split_text(text)
    assert "".join(parts) == text
    assert not any(part.startswith("\u064e") for part in parts)


def _message_text() -> st.SearchStrategy[str]:
    alphabet = st.one_of(
        st.sampled_from(sorted(GSM7_BASIC)),
        st.sampled_from(sorted(GSM7_EXTENSION)),
        st.sampled_from([*URDU, "\u064e", "\u200d", "\ufe0f", "🏽"]),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    )
    return st.text(alphabet, max_size=600)


@settings(max_examples=300, deadline=None)
@given(_message_text())
def test_split_then_join_gives_the_text_back_and_each_part_is_one_segment(text: str) -> None:
    parts = split_text(text)
    assert "".join(parts) == text
    for part in parts:
        assert count_segments(part).segments == 1
    if text:
        assert all(parts)


@settings(max_examples=300, deadline=None)
@given(_message_text())
def test_a_message_counts_at_least_its_units_over_the_part_size(text: str) -> None:
    count = count_segments(text)
    per_part = 153 if count.encoding == "gsm7" else 67
    single = 160 if count.encoding == "gsm7" else 70
    if count.units <= single:
        assert count.segments == 1
    else:
        assert count.segments >= -(-count.units // per_part)
        assert count.segments <= -(-count.units // (per_part - 1))
