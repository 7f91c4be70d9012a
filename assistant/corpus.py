"""Corpus stage: find the files under the corpus folder and turn each into a `Document`.

Does: walk the folder (sorted, hidden files ignored, directory symlinks not followed), read
each supported file (UTF-8, else an encoding detected by charset-normalizer), normalise line
ends the way Python's text mode does, take the title, and mark which lines are article content
and which are page chrome (comment forms, share bars, cookie notices, ...).
Does not: change the text (offsets must stay valid against the file), chunk, or embed.

Adding a format is one function: a loader `(source, text) -> Document` in `LOADERS`
(HTML and PDF would first extract text, then call `_document`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.documents import Document, Skipped, Span
from assistant.errors import CorpusError

# --- page chrome -------------------------------------------------------------------------
# Web pages carry the same furniture around every article: comment sections, reply forms,
# share bars, "related posts", newsletter and cookie prompts, bylines and tag lists. A line is
# chrome when the whole line is one of these phrases (case-insensitive). A line that opens a
# comment, reply or related-posts section also ends the article: everything after it is chrome.
_SECTION_STARTERS = [
    r"(\d+\s+)?(comments?|responses?|replies)(\s*\(\d+\))?",
    r"(leave|post|add|write|submit) (a|your) (reply|comment|response)( to .*)?",
    r"(related|recent|popular|more|similar) (posts|articles|stories|reads)",
    r"you (may|might) also (like|enjoy)\b.*",
    r"join the (discussion|conversation)",
]
_CHROME_LINES = [
    r"no comments?( yet)?\b.*",
    r"(be the first|why don.t you start)\b.*(comment|discussion).*",
    r"your email( address)? will not be published\b.*",
    r"required fields are marked\b.*",
    r"save my name, email,? and website\b.*",
    r"cancel reply|post comment|submit comment|log in to reply|reply",
    r"(share|share this|share on \w+|tweet|pin it|email|print)( (this|the) (post|article|page))?:?",
    r"click to (share|print|email)\b.*",
    r"like this:?|loading\.{0,3}|advertisements?",
    r"(subscribe|sign up)\b.{0,40}\b(newsletter|updates|inbox)\b.*",
    r"(this (site|website) uses|we use) cookies\b.*",
    r"(accept|reject|manage) (all )?cookies",
    r"(posted|published|filed) (in|on|under|by)\b[^.!?]{0,60}",
    r"(tags?|categories|category)\s*:.{0,120}",
    r"(previous|next) (post|article|story)\b.{0,120}",
    r"skip to (main )?content|back to top|read more\W*|continue reading\b.*",
    r"(copyright\s*)?(©|\(c\)).{0,80}|all rights reserved\.?",
]
_STARTER_RE = re.compile("|".join(f"(?:{p})" for p in _SECTION_STARTERS), re.IGNORECASE)
_CHROME_RE = re.compile("|".join(f"(?:{p})" for p in _CHROME_LINES), re.IGNORECASE)


def is_chrome(line: str) -> bool:
    """True when a whole line is web page furniture rather than article text."""
    s = line.strip().strip("*:").strip()
    return bool(s) and bool(_STARTER_RE.fullmatch(s) or _CHROME_RE.fullmatch(s))


def content_spans(text: str) -> tuple[Span, ...]:
    """Spans of the non-blank lines that are article content, in order, without line ends."""
    spans: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        if _STARTER_RE.fullmatch(stripped.strip("*:#").strip()):
            break  # a comments / related-posts section: the article has ended
        if is_chrome(line):
            continue
        lead = len(line) - len(line.lstrip())
        spans.append(Span(start + lead, start + len(line.rstrip())))
    return tuple(spans)


# --- reading -----------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 when valid, else the encoding charset-normalizer detects.

    Raises ValueError for binary data or text in no recognisable encoding.
    """
    if b"\x00" in data[:8192]:
        raise ValueError("binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_legacy(data)
    # Universal newlines, exactly as Python's text mode reads the file.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_legacy(data: bytes) -> str:
    # Mostly ASCII with a few high bytes is Western text with accents and curly quotes:
    # Windows-1252, when it decodes. Otherwise ask charset-normalizer.
    if sum(b < 0x80 for b in data) >= 0.9 * len(data):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise ValueError("not text in any recognisable encoding")
    # Short texts fit many code pages equally well; among the equally plausible ones,
    # prefer Windows-1252, the usual legacy encoding of English web text.
    best = matches[0]
    western = next((m for m in matches if m.encoding == "cp1252"), None)
    if western is not None and western.chaos <= best.chaos + 0.05:
        best = western
    return str(best)


def _document(source: str, text: str, title: str, kind: str) -> Document:
    content = content_spans(text)
    if not content:
        raise ValueError("no article text in it")
    return Document(source=source, title=title, text=text, content=content, kind=kind)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.split("\n") if line.strip()), "")


def load_text(source: str, text: str) -> Document:
    """Plain text: the first non-blank line is the title."""
    return _document(source, text, _first_line(text), "text")


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def load_markdown(source: str, text: str) -> Document:
    """Markdown: the first heading is the title, else the first non-blank line."""
    m = _MD_HEADING.search(text)
    title = m.group(1) if m else _first_line(text).lstrip("#").strip()
    return _document(source, text, title, "markdown")


Loader = Callable[[str, str], Document]
LOADERS: dict[str, Loader] = {
    ".txt": load_text,
    ".text": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
}


def source_name(path: Path, root: Path | None = None) -> str:
    """The path as citations show it: relative to the project root when inside it."""
    root = (root or Path.cwd()).resolve()
    resolved = path.absolute()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return resolved.as_posix()


def _walk(corpus_dir: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(corpus_dir, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def read_document(path: Path, source: str, max_bytes: int) -> Document:
    """Load one file. Raises ValueError with a reason a person can read."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        supported = ", ".join(sorted(LOADERS))
        raise ValueError(f"unsupported file type {path.suffix or '(none)'!r} ({supported})")
    try:
        if not path.is_file():
            if not path.exists() and not path.is_symlink():
                raise ValueError("file vanished while reading")
            raise ValueError("not a regular file (broken link, link loop or special file)")
        size = path.stat().st_size
        if size > max_bytes:
            raise ValueError(f"too large ({size:,} bytes; the limit is {max_bytes:,})")
        data = path.read_bytes()
    except PermissionError:
        raise ValueError("permission denied") from None
    except FileNotFoundError:
        raise ValueError("file vanished while reading") from None
    except OSError as e:
        raise ValueError(f"cannot be read ({e.strerror or e})") from None
    if not data.strip():
        raise ValueError("empty file")
    return loader(source, decode(data))


def load_corpus(corpus_dir: Path, max_bytes: int) -> tuple[list[Document], list[Skipped]]:
    """Every supported document under `corpus_dir`, and the files skipped with reasons."""
    if not corpus_dir.exists():
        raise CorpusError(f"The corpus folder {corpus_dir} does not exist.")
    if not corpus_dir.is_dir():
        raise CorpusError(f"The corpus path {corpus_dir} is not a folder.")
    if not os.access(corpus_dir, os.R_OK | os.X_OK):
        raise CorpusError(f"The corpus folder {corpus_dir} cannot be read (permission denied).")
    documents: list[Document] = []
    skipped: list[Skipped] = []
    for path in _walk(corpus_dir):
        source = source_name(path)
        try:
            documents.append(read_document(path, source, max_bytes))
        except ValueError as e:
            skipped.append(Skipped(source, str(e)))
    return documents, skipped
