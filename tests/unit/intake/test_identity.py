from nigrani_intake.submissions.identity import (
    candidate_tracking_code,
    derive_identity,
    hash_token,
)
from nigrani_intake.submissions.tracking_code import normalise_tracking_code

SECRET = b"unit-test-secret"


def test_the_same_key_derives_the_same_identity_and_codes() -> None:
    first = derive_identity(SECRET, "key-0123456789abcdef")
    again = derive_identity(SECRET, "key-0123456789abcdef")
    assert first == again
    assert candidate_tracking_code(SECRET, first.key_hash, 0) == candidate_tracking_code(
        SECRET, again.key_hash, 0
    )


def test_different_keys_or_secrets_derive_unrelated_identities() -> None:
    one = derive_identity(SECRET, "key-0123456789abcdef")
    two = derive_identity(SECRET, "key-0123456789abcdeg")
    other_secret = derive_identity(b"another-secret", "key-0123456789abcdef")
    assert len({one.citizen_token, two.citizen_token, other_secret.citizen_token}) == 3
    assert len({one.key_hash, two.key_hash, other_secret.key_hash}) == 3


def test_each_attempt_gives_a_different_valid_code() -> None:
    identity = derive_identity(SECRET, "key-0123456789abcdef")
    codes = [candidate_tracking_code(SECRET, identity.key_hash, n) for n in range(8)]
    assert len(set(codes)) == 8
    assert all(normalise_tracking_code(code) == code for code in codes)


def test_only_a_hash_of_the_token_is_kept() -> None:
    identity = derive_identity(SECRET, "key-0123456789abcdef")
    assert identity.token_hash == hash_token(identity.citizen_token)
    assert identity.citizen_token not in identity.token_hash
    assert len(identity.citizen_token) >= 40
