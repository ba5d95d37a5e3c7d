"""The staff API: department queues and the actions officials take on cases."""
