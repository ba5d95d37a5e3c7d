"""Channel adapters: each sends one rendered message over a real protocol and says how
the attempt ended (nigrani_notify.messages.SendResult); none of them retries on its own."""
