"""Every topic and consumer group the system uses, named in one place.

The services' start-up topic creation (nigrani_shared.service.consumer_for) and the
operator's `nigrani topics create` both read `system_topics`, so a topic added here is
created by both, and a group that is not listed here has no dead-letter topic made ready
for it before its first failure.
"""

from __future__ import annotations

from typing import Final, Protocol

#: The consumer groups of the services, each with its own dead-letter topic.
INTAKE_GROUP: Final = "intake"
ROUTING_GROUP: Final = "routing"
SLA_GROUP: Final = "sla"
NOTIFY_GROUP: Final = "notify"
CONSUMER_GROUPS: Final[tuple[str, ...]] = (INTAKE_GROUP, ROUTING_GROUP, SLA_GROUP, NOTIFY_GROUP)


class TopicNames(Protocol):
    """What names the topics: the settings (TOPIC_PREFIX)."""

    @property
    def lifecycle_topic(self) -> str: ...

    def dead_letter_topic(self, group_id: str) -> str: ...


def system_topics(names: TopicNames) -> list[str]:
    """The lifecycle topic, then each consumer group's dead-letter topic."""
    return [names.lifecycle_topic, *(names.dead_letter_topic(g) for g in CONSUMER_GROUPS)]


def topics_for_group(names: TopicNames, group_id: str) -> list[str]:
    """What a consumer of `group_id` makes sure exists before it starts: every system
    topic, and its own dead-letter topic should it be a group not listed above (a test's)."""
    topics = system_topics(names)
    own = names.dead_letter_topic(group_id)
    return topics if own in topics else [*topics, own]
