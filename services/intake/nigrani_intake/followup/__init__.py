"""Citizen follow-up: with the tracking code and the citizen token, the citizen reads the
whole request and acts on it (adds information, confirms, disputes, reopens)."""
