"""Chat UI entry point: `python app.py [--host 127.0.0.1] [--port 7860]`.

The Gradio chat lands with the UI issue; until then this reports what the index holds.
"""

import sys

from assistant.cli import app_main

if __name__ == "__main__":
    sys.exit(app_main())
