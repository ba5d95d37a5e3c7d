import os

from hypothesis import given
from hypothesis import strategies as st
from nigrani_intake.submissions.tracking_code import (
    ALPHABET,
    check_symbol,
    encode_tracking_code,
    normalise_tracking_code,
)

entropy = st.binary(min_size=7, max_size=32)


@given(entropy)
def test_code_is_grouped_from_the_unambiguous_alphabet(raw: bytes) -> None:
    code = encode_tracking_code(raw)
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4]
    assert all(symbol in ALPHABET for symbol in "".join(groups))
    assert not set("ILOU") & set(code)


@given(entropy)
def test_a_valid_code_normalises_to_itself_whatever_the_case_and_spacing(raw: bytes) -> None:
    code = encode_tracking_code(raw)
    assert normalise_tracking_code(code) == code
    assert normalise_tracking_code(f"  {code.lower().replace('-', ' ')} ") == code


@given(entropy, st.integers(min_value=0, max_value=11), st.sampled_from(ALPHABET))
def test_every_single_symbol_typo_is_caught(raw: bytes, position: int, symbol: str) -> None:
    compact = encode_tracking_code(raw).replace("-", "")
    if compact[position] == symbol:
        return
    typo = compact[:position] + symbol + compact[position + 1 :]
    assert normalise_tracking_code(typo) is None


def test_most_swaps_of_neighbours_are_caught() -> None:
    caught = total = 0
    for _ in range(300):
        compact = encode_tracking_code(os.urandom(8)).replace("-", "")
        for i in range(len(compact) - 1):
            if compact[i] == compact[i + 1]:
                continue
            swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
            total += 1
            caught += normalise_tracking_code(swapped) is None
    assert caught / total > 0.95


def test_letters_people_confuse_are_read_as_the_digits_they_meant() -> None:
    data = "0110ABCDEFG"
    code = data + check_symbol(data)
    assert normalise_tracking_code("OIL0ABCDEFG" + code[-1]) == "0110-ABCD-EFG" + code[-1]


def test_codes_do_not_follow_a_sequence() -> None:
    codes = {encode_tracking_code(os.urandom(8)) for _ in range(2000)}
    assert len(codes) == 2000


def test_wrong_length_or_symbols_are_not_codes() -> None:
    assert normalise_tracking_code("") is None
    assert normalise_tracking_code("ABCD-EFGH") is None
    assert normalise_tracking_code("ABCD-EFGH-JKU!") is None


def test_dashes_and_urdu_digits_as_phones_type_them_are_read() -> None:
    code = encode_tracking_code(bytes(range(32)))
    urdu_digits = str.maketrans({str(n): chr(0x06F0 + n) for n in range(10)})
    for typed in (
        code.replace("-", "\u2013"),  # en dash, as word processors write it
        code.replace("-", "\u2010"),  # the Unicode hyphen
        code.translate(urdu_digits),
        code.translate(str.maketrans({str(n): chr(0x0660 + n) for n in range(10)})),
    ):
        assert normalise_tracking_code(typed) == code, typed
