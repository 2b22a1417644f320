"""`python -m sim.cli`: the same command line as `sim`."""

import sys

from . import main

sys.exit(main())
