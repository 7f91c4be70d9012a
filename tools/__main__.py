"""`python -m tools eval|calibrate`: the developer commands (tools/devcli.py)."""

import sys

from tools.devcli import main

if __name__ == "__main__":
    sys.exit(main())
