"""`nigrani`: the operator's command for the chores of running Nigrani (topics, dead
letters, staff tokens, webhook subscriptions, read models, consumer lag).

An application, never imported by the services: it imports them, each command only the
service it needs, and only when it runs.
"""
