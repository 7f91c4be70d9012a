"""Chat UI entry point: `python app.py [--host 127.0.0.1] [--port 7860]`.

The page is assistant/present/ui.py; its event handlers are assistant/present/chat.py.
"""

import sys

from assistant.present.cli import app_main

if __name__ == "__main__":
    sys.exit(app_main())
