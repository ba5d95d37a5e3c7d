"""Configuration files an operator edits (routing rules, SLA policies, business calendars),
read so that a mistake is refused with the file, the line and the problem."""
