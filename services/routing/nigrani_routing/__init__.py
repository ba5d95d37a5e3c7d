"""nigrani_routing."""
