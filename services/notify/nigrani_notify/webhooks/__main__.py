"""`python -m nigrani_notify.webhooks`: see nigrani_notify.webhooks.cli."""

from nigrani_notify.webhooks.cli import app

if __name__ == "__main__":
    app()
