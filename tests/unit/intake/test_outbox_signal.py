from nigrani_intake.outbox.signal import MAX_REMEMBERED, OutboxSignal


def test_a_stored_request_is_reported_once_and_wakes_the_relay() -> None:
    signal = OutboxSignal()
    signal.request_stored("entry-1")
    assert signal.written.is_set()
    assert signal.take_stored_here("entry-1") is True
    assert signal.take_stored_here("entry-1") is False
    assert signal.take_stored_here("never-seen") is False


def test_the_memory_is_bounded_and_forgets_the_oldest() -> None:
    signal = OutboxSignal()
    for n in range(MAX_REMEMBERED + 10):
        signal.request_stored(f"entry-{n}")
    assert signal.take_stored_here("entry-0") is False  # forgotten: the relay derives it
    assert signal.take_stored_here(f"entry-{MAX_REMEMBERED + 9}") is True
