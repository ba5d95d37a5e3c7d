"""The outbox: events durable in the store before the 201, published by the relay."""
