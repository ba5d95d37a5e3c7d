"""The ops board: an in-memory read model of the SLA clocks (projection.py), the backlog
gauges exported from it (gauges.py), and the feed that keeps it current (feed.py)."""
