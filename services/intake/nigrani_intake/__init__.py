"""nigrani_intake."""
