"""Present stage: answers shown to people and scripts.

`cli.py` is the command line (`ingest.py`, `app.py`, `python -m assistant ask`); `render.py`
turns an `Answer` into the contract's JSON or terminal text; `ui.py` is the Gradio page and
its API endpoints; `panels.py` renders the sources panel and the articles table as HTML.
"""
