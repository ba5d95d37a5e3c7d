"""MongoDB helpers on PyMongo's async API (works on MongoDB and FerretDB alike)."""
