"""Collection profile: what the UI says about one collection, read from the collection itself.

Does: read `<corpus>/.collection/profile.json` (a hidden folder, so ingest never indexes it):
the page title, the heading, the chat's placeholder and the example questions. A collection
without a profile, or with one that cannot be read, gets neutral wording and no examples.
Does not: hold anything about a topic in code. The collection's lay terms sit beside it
(`.collection/lay_terms.txt`, read by query.py).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

PROFILE = Path(".collection") / "profile.json"
MAX_EXAMPLES = 5

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    title: str = "Answers from the articles"
    heading: str = "Answers quoted from the articles"
    placeholder: str = "Ask a question about the articles."
    examples: tuple[str, ...] = ()


def load_profile(corpus_dir: Path) -> Profile:
    """The collection's profile; the defaults for whatever it does not set or sets wrongly."""
    path = corpus_dir / PROFILE
    if not path.is_file():
        return Profile()
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        log.warning("ignoring %s: %s", path, e)
        return Profile()
    if not isinstance(data, dict):
        log.warning("ignoring %s: not a JSON object", path)
        return Profile()
    base = Profile()

    def text(key: str) -> str:
        value = data.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else getattr(base, key)

    raw = data.get("examples")
    listed = raw if isinstance(raw, list) else []
    examples = tuple(q.strip() for q in listed if isinstance(q, str) and q.strip())
    return Profile(text("title"), text("heading"), text("placeholder"), examples[:MAX_EXAMPLES])
