"""nigrani_sla: serves /healthz, /readyz and /metrics only; its business logic is not built yet."""
