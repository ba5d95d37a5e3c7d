"""How notify's deliveries about a request ended, for its internal timeline."""
