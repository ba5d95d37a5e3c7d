"""`nigrani read-model rebuild intake`: the public view comes back the same from the
lifecycle topic after the read model's collections are lost; `--drop` is refused while
intake's consumer runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from nigrani_intake.read_model import COLLECTIONS
from nigrani_shared.clock import utc_now
from nigrani_shared.kafka.lag import offset_ranges

from tests.support.citizen import NO_STATUS_CACHE, apply, submit
from tests.support.cli import cli_env, nigrani_async, one_line
from tests.support.events import case_changed, deadline_set, notification_outcome, routed
from tests.support.infra import Infra
from tests.support.system import System, running_system

pytestmark = pytest.mark.integration

#: A restarted intake that reads the store only: nothing but the rebuild writes the model.
READ_ONLY = {**NO_STATUS_CACHE, "embedded_worker": False}


async def views(system: System, codes: list[str]) -> dict[str, Any]:
    return {code: (await system.intake.get(f"/v1/requests/{code}")).json() for code in codes}


async def counts(system: System) -> dict[str, int]:
    return {name: await system.intake_db[name].count_documents({}) for name in COLLECTIONS}


async def test_the_public_view_is_rebuilt_from_the_lifecycle_topic(infra: Infra) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        prefix = system.intake_settings.topic_prefix
        env = cli_env(
            infra, prefix, SECRET_KEY=system.intake_settings.secret_key.get_secret_value()
        )
        codes = [(await submit(system))[0] for _ in range(2)]
        for code in codes:
            await apply(
                system,
                bootstrap,
                [
                    routed(code),
                    deadline_set(
                        code, generation=1, resolution_due_at=utc_now() + timedelta(days=3)
                    ),
                    notification_outcome(code, sent=True),
                    case_changed(code, version=2, to_state="assigned", public_note="On it"),
                ],
            )
        before = await views(system, codes)
        stored = await counts(system)
        assert all(view["timeline"][-1]["status"] == "assigned" for view in before.values())
        assert all(view["due_at"] is not None for view in before.values())
        assert stored == {"timeline": 4, "deadlines": 2, "notifications": 2}

        # While intake's consumer runs, emptying its read model is refused...
        refused = await nigrani_async(env, "read-model", "rebuild", "intake", "--drop")
        assert refused.exit_code == 2
        line = one_line(refused.stderr)
        assert line.startswith("refused: 1 consumer(s) of group intake read ")
        assert await counts(system) == stored

    # ...and the collections are lost while it is stopped.
    async with running_system(
        infra, with_routing=False, prefix=prefix, intake_overrides=READ_ONLY
    ) as system:
        for name in COLLECTIONS:
            await system.intake_db.drop_collection(name)
        lost = await views(system, codes)
        assert all(view["timeline"][-1]["status"] == "submitted" for view in lost.values())

        rebuilt = await nigrani_async(env, "read-model", "rebuild", "intake")

        assert rebuilt.exit_code == 0, rebuilt.output
        assert rebuilt.stdout == (
            f"rebuilt intake from {prefix}.requests.lifecycle: 10 events read, 8 applied,"
            " 2 not for this read model\n"  # the two request.submitted
        )
        assert await counts(system) == stored
    async with running_system(
        infra, with_routing=False, prefix=prefix, intake_overrides=READ_ONLY
    ) as system:
        assert await views(system, codes) == before  # a fresh process: nothing remembered


async def test_drop_empties_the_read_model_first_when_no_consumer_runs(infra: Infra) -> None:
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        prefix = system.intake_settings.topic_prefix
        code = (await submit(system))[0]
        await apply(system, bootstrap, [routed(code)])
        before = await views(system, [code])
    env = cli_env(infra, prefix)
    async with running_system(
        infra, with_routing=False, prefix=prefix, intake_overrides=READ_ONLY
    ) as system:
        await system.intake_db["timeline"].insert_one({"_id": f"{code}:7", "stale": True})

        result = await nigrani_async(env, "read-model", "rebuild", "intake", "--drop")

        assert result.exit_code == 0, result.output
        assert await system.intake_db["timeline"].find_one({"_id": f"{code}:7"}) is None
        assert await views(system, [code]) == before


async def test_an_unknown_read_model_is_refused_in_one_line(infra: Infra) -> None:
    result = await nigrani_async(cli_env(infra, "x"), "read-model", "rebuild", "routing")
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("refused: no read model 'routing'; there is intake")


async def test_a_lifecycle_topic_that_does_not_exist_empties_nothing(infra: Infra) -> None:
    async with running_system(infra, with_routing=False) as system:
        code = (await submit(system))[0]
        await apply(system, infra.kafka_bootstrap_servers, [routed(code)])
        database = system.intake_settings.database_name
        env = cli_env(infra, "nosuchprefix", INTAKE_DATABASE=database)
        env["TOPIC_PREFIX"] = "nosuchprefix"

        result = await nigrani_async(env, "read-model", "rebuild", "intake", "--drop")

        assert result.exit_code == 2
        assert one_line(result.stderr) == (
            "refused: there is no topic nosuchprefix.requests.lifecycle; is TOPIC_PREFIX right?"
        )
        assert await system.intake_db["timeline"].count_documents({}) == 1


async def test_drop_is_refused_once_retention_has_removed_the_topics_first_events(
    infra: Infra,
) -> None:
    """The topic holds the whole history only until retention (the broker's default, 7
    days in Kafka, 24 hours locally) deletes its head: what those events built would be
    emptied and never rebuilt."""
    bootstrap = infra.kafka_bootstrap_servers
    async with running_system(
        infra, with_routing=False, intake_overrides=NO_STATUS_CACHE
    ) as system:
        prefix = system.intake_settings.topic_prefix
        code = (await submit(system))[0]
        await apply(system, bootstrap, [routed(code)])
    topic = f"{prefix}.requests.lifecycle"
    _, ends = await offset_ranges(bootstrap, [topic])
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:  # as retention does: the oldest events of every partition that has any
        await admin.delete_records({tp: RecordsToDelete(end) for tp, end in ends.items() if end})
    finally:
        await admin.close()
    async with running_system(
        infra, with_routing=False, prefix=prefix, intake_overrides=READ_ONLY
    ) as system:
        stored = await counts(system)
        assert stored["timeline"] == 1  # the routed entry

        result = await nigrani_async(
            cli_env(infra, prefix), "read-model", "rebuild", "intake", "--drop"
        )

        assert result.exit_code == 2, result.output
        assert one_line(result.stderr) == (
            f"refused: {topic} no longer holds its first events (retention or a deletion"
            " removed them), so --drop would lose what they built; rebuild without --drop"
        )
        assert await counts(system) == stored
