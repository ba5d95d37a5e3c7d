"""The case bench (tests/support/case_bench.py) as a fixture for routing's store tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.case_bench import Bench, case_bench
from tests.support.infra import Infra


@pytest.fixture
async def bench(infra: Infra, tmp_path: Path) -> AsyncIterator[Bench]:
    async with case_bench(infra, tmp_path) as state:
        yield state
