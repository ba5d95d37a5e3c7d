"""Cases: routing's record of each request it owns."""
