"""Per-client rate limits shared by replicas through the store (see limiter.py)."""
