"""The library every Nigrani service imports: settings, events, Kafka runtime, store, web."""
