"""Routing rules: the file, its validation, and the pure matching function."""
