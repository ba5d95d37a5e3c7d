"""Business calendars: when a department's SLA clock runs (working hours, holidays, closures).

The packaged files' paths live here so that settings can name them without importing the
calendar code (and the `holidays` package) at import time.
"""

from pathlib import Path

DEFAULT_CALENDARS_PATH = Path(__file__).with_name("calendars.yaml")
DEFAULT_CLOSURES_PATH = Path(__file__).with_name("closures.yaml")
