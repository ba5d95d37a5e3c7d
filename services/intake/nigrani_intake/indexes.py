"""Every index intake declares at start-up (used by MongoDB; FerretDB keeps them too)."""

from __future__ import annotations

from nigrani_intake.outbox import repository as outbox
from nigrani_intake.submissions import repository as requests

INDEXES = [*requests.INDEXES, *outbox.INDEXES]
