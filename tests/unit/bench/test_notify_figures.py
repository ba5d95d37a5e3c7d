"""The notify bench's arithmetic: deliveries matched to their events by the delivery key,
rates over the right span, and where a delivery's time goes, stage by stage."""

from __future__ import annotations

from bench.notify_figures import lateness, rates, recorded_rate, stages
from bench.notify_gateways import Acceptances
from bench.notify_watch import Submitted


def _event(n: int, at: float) -> Submitted:
    return Submitted(request_id=f"R-{n}", event_id=f"event-{n}", time=at - 0.01, published=at)


def _accepted(pairs: dict[str, float]) -> Acceptances:
    return Acceptances(at=dict(pairs))


def test_rates_count_from_the_first_acceptance_to_the_last_per_channel_and_in_all() -> None:
    events = [_event(n, 100.0) for n in range(5)]
    email = _accepted({e.key("email"): 101.0 + n for n, e in enumerate(events)})  # 4 s
    sms = _accepted({e.key("sms"): 101.0 + n / 2 for n, e in enumerate(events)})  # 2 s

    figures = rates(events, {"email": email, "sms": sms})

    assert figures["email"] == {"accepted": 5, "seconds": 4.0, "per_s": 1.0}
    assert figures["sms"] == {"accepted": 5, "seconds": 2.0, "per_s": 2.0}
    assert figures["total"] == {"accepted": 10, "seconds": 4.0, "per_s": 2.2}


def test_rates_leave_out_the_first_acceptances_when_asked() -> None:
    events = [_event(n, 100.0) for n in range(6)]
    # A full bucket: three at once, then one a second.
    times = [101.0, 101.0, 101.0, 102.0, 103.0, 104.0]
    email = _accepted({e.key("email"): t for e, t in zip(events, times, strict=True)})

    figures = rates(events, {"email": email}, steady_from=3)

    assert figures["email"] == {"accepted": 3, "seconds": 2.0, "per_s": 1.0}


def test_acceptances_of_other_events_and_other_channels_are_not_counted() -> None:
    mine, other = _event(1, 100.0), _event(2, 100.0)
    email = _accepted({mine.key("email"): 100.5, other.key("email"): 100.1, mine.key("sms"): 1})

    figures = lateness([mine], "email", email)

    assert figures["accepted"] == 1
    assert figures["from_kafka_ms"]["max"] == 500.0
    assert figures["from_event_time_ms"]["max"] == 510.0


def test_stages_split_the_time_at_the_moments_notify_wrote() -> None:
    event = _event(1, 100.0)
    key = event.key("sms")
    written = {f"{key}:1@timer": 100.1, f"{key}:1": 100.6, f"{key}:1:result": 100.75}
    sms = _accepted({key: 100.7})

    figures = stages([event], {"sms": sms}, written)["sms"]

    assert figures["kafka_to_recorded"]["p50"] == 100.0
    assert figures["recorded_to_claimed"]["p50"] == 500.0
    assert figures["claimed_to_accepted"]["p50"] == 100.0
    assert figures["accepted_to_result"]["p50"] == 50.0


def test_the_consumer_rate_counts_each_event_once() -> None:
    events = [_event(n, 100.0) for n in range(3)]
    written = {f"{e.key('email')}:1@timer": 100.0 + n for n, e in enumerate(events)}
    written |= {f"{e.key('sms')}:1@timer": 100.0 + n for n, e in enumerate(events)}

    assert recorded_rate(events, written) == {"events": 3, "seconds": 2.0, "per_s": 1.0}
