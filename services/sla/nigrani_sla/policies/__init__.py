"""SLA policies: targets and escalation ladders per category and priority.

The packaged file's path lives here so that settings can name it without importing the
policy code at import time.
"""

from pathlib import Path

DEFAULT_POLICIES_PATH = Path(__file__).with_name("policies.yaml")
