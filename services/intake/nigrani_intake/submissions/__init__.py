"""Citizen submissions: accepting a request, and its public status view."""
