"""Contact details: kept only in intake's store, looked up by services that must reach the
citizen, and erased on the citizen's request."""
