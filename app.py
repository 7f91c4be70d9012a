"""Chat UI entry point: `python app.py [--host 127.0.0.1] [--port 7860]` (see assistant/ui.py)."""

import sys

from assistant.present.cli import app_main

if __name__ == "__main__":
    sys.exit(app_main())
