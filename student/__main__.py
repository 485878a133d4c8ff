"""Entry point of ``python3 -m student``."""

import sys

from .cli import main

sys.exit(main())
