"""`python -m assistant ...`: see assistant/cli.py."""

import sys

from assistant.present.cli import main

sys.exit(main())
