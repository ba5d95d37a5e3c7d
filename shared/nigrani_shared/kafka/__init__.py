"""Kafka plumbing shared by every service: producer, topics, and the one consumer runtime."""
