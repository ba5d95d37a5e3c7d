from nigrani_intake.outbox.signal import MAX_REMEMBERED, OutboxSignal


def test_a_stored_entry_stays_this_processs_own_until_the_relay_clears_it() -> None:
    signal = OutboxSignal()
    signal.request_stored("entry-1", "attempt-a")
    assert signal.written.is_set()
    assert signal.stored_here("entry-1", "attempt-a") is True
    assert signal.stored_here("entry-1", "attempt-a") is True  # a failed round keeps it
    signal.forget(["entry-1"])
    assert signal.stored_here("entry-1", "attempt-a") is False
    assert signal.stored_here("never-seen", "attempt-a") is False


def test_a_later_entry_under_the_same_id_is_not_taken_for_the_stored_one() -> None:
    """A replay long after the first entry was published writes a new entry with the same
    id: the relay must check it, not trust the memory of the first one."""
    signal = OutboxSignal()
    signal.request_stored("entry-1", "attempt-a")
    assert signal.stored_here("entry-1", "attempt-b") is False
    assert signal.stored_here("entry-1", None) is False  # an entry from an older version


def test_the_memory_is_bounded_and_forgets_the_oldest() -> None:
    signal = OutboxSignal()
    for n in range(MAX_REMEMBERED + 10):
        signal.request_stored(f"entry-{n}", "a")
    assert signal.stored_here("entry-0", "a") is False  # forgotten: the relay derives it
    assert signal.stored_here(f"entry-{MAX_REMEMBERED + 9}", "a") is True
