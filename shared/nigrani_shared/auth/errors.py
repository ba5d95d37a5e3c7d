"""The two ways staff authentication fails: a bad token, or a bad configuration."""

from __future__ import annotations


class InvalidStaffToken(Exception):
    """A token that does not authenticate anyone (401).

    `reason` is a short, fixed label (a PyJWT error class or a claim rule) meant for logs
    and tests; it never contains the token or a claim value, and is never sent to the
    client, who learns only that the token is invalid or expired.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StaffAuthConfigError(Exception):
    """The keys cannot be loaded as configured: raised while the app is built, so that a
    service with unusable keys refuses to start instead of refusing every staff member."""
