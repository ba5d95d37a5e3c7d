"""Everything secret about a submission, derived from its idempotency key.

Deriving the tracking code and the citizen token from the key (with the server's secret)
makes a submission a pure function of its key: a retry with the same key lands on the same
document and gets the same answer, and the token itself is never stored, only its hash.
Without a key, intake draws a random one, so the same rules serve both cases.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from nigrani_intake.submissions.tracking_code import encode_tracking_code


def random_idempotency_key() -> str:
    return secrets.token_urlsafe(32)


def _mac(secret: bytes, purpose: str, value: str) -> bytes:
    return hmac.new(secret, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SubmissionIdentity:
    key_hash: str
    citizen_token: str

    @property
    def token_hash(self) -> str:
        return hash_token(self.citizen_token)


def derive_identity(secret: bytes, idempotency_key: str) -> SubmissionIdentity:
    token = base64.urlsafe_b64encode(_mac(secret, "citizen-token", idempotency_key))
    return SubmissionIdentity(
        key_hash=_mac(secret, "idempotency-key", idempotency_key).hex(),
        citizen_token=token.rstrip(b"=").decode(),
    )


def candidate_tracking_code(secret: bytes, key_hash: str, attempt: int) -> str:
    """The code for the n-th attempt: a retry walks the same sequence, so it finds its own
    document again even when an earlier candidate was taken by someone else."""
    return encode_tracking_code(_mac(secret, "tracking-code", f"{key_hash}:{attempt}"))
