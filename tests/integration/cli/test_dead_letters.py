"""`nigrani dead-letters replay`: dead letters go back to the topic they came from, with
their original key and headers, each once, however often the command runs."""

from __future__ import annotations

import pytest
from nigrani_shared.kafka.topics import ensure_topics
from nigrani_shared.kafka.topology import system_topics

from tests.support.cli import cli_env, new_prefix, nigrani_async, one_line
from tests.support.consumer import settings_for
from tests.support.infra import Infra
from tests.support.kafka import read_topic, send_raw

pytestmark = pytest.mark.integration


async def test_dead_letters_are_replayed_to_their_topic_once(infra: Infra) -> None:
    prefix = new_prefix()
    settings = settings_for(infra, prefix)
    bootstrap, lifecycle = infra.kafka_bootstrap_servers, settings.lifecycle_topic
    await ensure_topics(bootstrap, system_topics(settings), settings.topic_layout)
    for n in range(3):
        await send_raw(
            bootstrap,
            settings.dead_letter_topic("routing"),
            [b"event-%d" % n],
            key=b"REQ-%d" % n,
            headers=[
                ("ce_type", b"org.nigrani.request.submitted.v1"),
                ("nigrani-dlq-topic", lifecycle.encode()),
                ("nigrani-dlq-error", b"ValueError: boom"),
            ],
        )
    env = cli_env(infra, prefix)

    first = await nigrani_async(env, "dead-letters", "replay", "--group", "routing", "--limit", "2")
    rest = await nigrani_async(env, "dead-letters", "replay", "--group", "routing")
    again = await nigrani_async(env, "dead-letters", "replay", "--group", "routing")

    assert first.exit_code == 0, first.output
    assert first.stdout == "replayed 2 dead letters of routing; skipped 0\n"
    assert rest.stdout == "replayed 1 dead letters of routing; skipped 0\n"
    assert again.stdout == "replayed 0 dead letters of routing; skipped 0\n"
    records = await read_topic(bootstrap, lifecycle, expect=3)
    assert sorted((r.key, r.value) for r in records) == [
        (b"REQ-%d" % n, b"event-%d" % n) for n in range(3)
    ]
    assert all(r.headers == (("ce_type", b"org.nigrani.request.submitted.v1"),) for r in records)
    extra = await read_topic(bootstrap, lifecycle, expect=4, within_ms=3000)
    assert len(extra) == 3  # nothing replayed twice


async def test_a_group_without_a_dead_letter_topic_is_refused(infra: Infra) -> None:
    result = await nigrani_async(
        cli_env(infra, new_prefix()), "dead-letters", "replay", "--group", "routnig"
    )
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith("refused: no dead-letter topic ")
    assert "intake, routing, sla, notify" in line
