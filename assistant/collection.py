"""Collection profile: what the UI says about one collection, read from the collection itself.

Does: read `<corpus>/.collection/profile.json` (a hidden folder, so ingest never indexes it):
the page title, the heading, the chat's placeholder, the note shown above the chat, the
example questions, the words that mark a place in this topic (`cue_words`), and an optional
safety note with the warning signs (regular expressions, case-insensitive) that call for it.
A collection without a profile, or with one that cannot be read, gets neutral wording, no
examples and no safety note; a pattern that is not a valid expression is left out.
Does not: hold anything about a topic in code. The collection's lay terms sit beside it
(`.collection/lay_terms.txt`, read by query.py).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

PROFILE = Path(".collection") / "profile.json"
MAX_EXAMPLES = 5

log = logging.getLogger(__name__)


def _valid(pattern: object) -> bool:
    if not isinstance(pattern, str) or not pattern.strip():
        return False
    try:
        re.compile(pattern)
    except re.error as e:
        log.warning("ignoring the warning-sign pattern %r: %s", pattern, e)
        return False
    return True


@dataclass(frozen=True)
class Profile:
    title: str = "Answers from the articles"
    heading: str = "Answers quoted from the articles"
    placeholder: str = "Ask a question about the articles."
    standing_note: str = "**Answers only quote the listed articles, with their sources.**"
    examples: tuple[str, ...] = ()
    safety_note: str = ""  # the assistant's own words, added when a warning sign is described
    warning_signs: tuple[str, ...] = ()  # regular expressions
    # Words that mark an answer of a kind whose words depend on the topic: {"place": [...]}
    # (text.cue_pattern); general kinds (how long, why) need none.
    cue_words: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    @cached_property
    def _signs(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.I) for p in self.warning_signs)

    def safety_note_for(self, question: str) -> str:
        """The safety note when the question describes a warning sign, else ""."""
        if self.safety_note and any(p.search(question) for p in self._signs):
            return self.safety_note
        return ""


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
    raw_signs = data.get("warning_signs")
    signs = tuple(p for p in (raw_signs if isinstance(raw_signs, list) else []) if _valid(p))
    note = data.get("safety_note")
    raw_cues = data.get("cue_words")
    cues = {
        str(kind): tuple(w.strip() for w in words if isinstance(w, str) and w.strip())
        for kind, words in (raw_cues.items() if isinstance(raw_cues, dict) else [])
        if isinstance(words, list)
    }
    return Profile(
        text("title"),
        text("heading"),
        text("placeholder"),
        text("standing_note"),
        examples[:MAX_EXAMPLES],
        note.strip() if isinstance(note, str) else "",
        signs,
        cues,
    )
