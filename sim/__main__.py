"""`python -m sim`: the same command line as `sim`."""

import sys

from .cli import main

sys.exit(main())
