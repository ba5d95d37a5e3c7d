"""``python -m nigrani_localinfra system|infra|provision``: see :mod:`nigrani_localinfra.cli`."""

import sys

from .cli import main

sys.exit(main())
