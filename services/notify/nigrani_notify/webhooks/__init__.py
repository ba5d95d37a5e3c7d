"""Signed webhooks per the Standard Webhooks specification: subscriptions (and the admin
command that writes them), the payload a subscriber receives, signing and sending."""
