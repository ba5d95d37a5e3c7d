"""nigrani_sla: SLA clocks, durable timers, the escalation ladder and the ops board."""
