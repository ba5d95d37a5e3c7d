"""Business calendars: when a department's SLA clock runs (working hours, holidays, closures)."""
