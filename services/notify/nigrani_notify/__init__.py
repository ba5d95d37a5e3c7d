"""nigrani_notify: serves /healthz, /readyz and /metrics only; no business logic yet."""
