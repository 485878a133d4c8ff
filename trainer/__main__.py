"""Entry point of ``python3 -m trainer``."""

import sys

from .cli import main

sys.exit(main())
