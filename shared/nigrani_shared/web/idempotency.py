"""The Idempotency-Key header every retriable action takes: long enough to be unique
(a UUID), printable ASCII only, so "" or "1" can never make two clients' actions one."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

MIN_KEY_LENGTH = 16
MAX_KEY_LENGTH = 200

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=MIN_KEY_LENGTH,
        max_length=MAX_KEY_LENGTH,
        pattern=r"^[\x21-\x7e]+$",
        description="A unique value (a UUID) per action: a retry with it changes nothing.",
    ),
]
