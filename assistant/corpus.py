"""Corpus stage: find the files under the corpus folder and turn each into a `Document`.

Does: walk the folder (sorted, hidden files and folders ignored, directory symlinks not
followed) and read each supported file. Plain text (`.txt`, `.md`) is read as it is (UTF-8,
else an encoding detected by charset-normalizer; line ends normalised the way Python's text
mode does), its title taken, and its lines marked as article content or page chrome (comment
forms, share bars, cookie notices, ...). HTML, PDF and Word files go through the extract stage
(assistant/extract/), and the text it returns is kept in the corpus's hidden `.extracted/`
folder, named by the original file's content hash, so a quote's offsets can be checked
against that file and an unchanged file is not extracted again.
Does not: change a plain-text file's text (offsets must stay valid against the file), chunk,
or embed.

Adding a format is one extractor in assistant/extract/ (`EXTRACTORS`); a plain-text format is
one loader `(source, text) -> Document` in `LOADERS`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.errors import CorpusError
from assistant.types import Document, Skipped, Span

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


def content_spans(text: str, chrome: bool = True) -> tuple[Span, ...]:
    """Spans of the non-blank lines that are article content, in order, without line ends.
    With `chrome` off (extracted text, whose extractor already removed the page's furniture)
    every non-blank line is content."""
    spans: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        if chrome and _STARTER_RE.fullmatch(stripped.strip("*:#").strip()):
            break  # a comments / related-posts section: the article has ended
        if chrome and is_chrome(line):
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


EXTRACTED = ".extracted"  # the corpus's hidden folder of extracted texts


def write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a hidden temporary file beside it and one rename:
    a reader (an ingest, a watcher) sees no file or the whole file, never part of it."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def extracted_path(corpus_dir: Path, path: Path, data: bytes) -> Path:
    """Where the text extracted from `path` (with content `data`) is kept."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    relative = path.relative_to(corpus_dir)
    return corpus_dir / EXTRACTED / relative.parent / f"{relative.name}.{digest}.txt"


def load_extracted(path: Path, source: str, data: bytes, corpus_dir: Path) -> Document:
    """An HTML, PDF or Word file: its extracted text, kept as a file (made once per content)."""
    from assistant.extract import EXTRACTORS, KINDS
    from assistant.extract.web import saved_from

    suffix = path.suffix.lower()
    keep = extracted_path(corpus_dir, path, data)
    if keep.is_file():  # extracted before: the address is read from the page's own mark
        text = keep.read_text(encoding="utf-8")
        url = saved_from(data) if KINDS[suffix] == "html" else ""
    else:
        extracted = EXTRACTORS[suffix](data)
        text, url = extracted.text, extracted.url
        try:
            keep.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(keep, text.encode("utf-8"))
        except OSError as e:
            reason = e.strerror or e
            raise ValueError(f"its text cannot be saved in {EXTRACTED}/ ({reason})") from None
    title = _first_line(text).lstrip("#").strip() if text.startswith("# ") else _first_line(text)
    return Document(
        source=source,
        title=title,
        text=text,
        content=content_spans(text, chrome=False),
        kind=KINDS[suffix],
        text_file=source_name(keep),
        url=url,
    )


def prune_extracted(corpus_dir: Path, keep: set[str]) -> None:
    """Delete kept texts that no document uses any more (`keep`: their source names)."""
    folder = corpus_dir / EXTRACTED
    if not folder.is_dir():
        return
    for path in folder.rglob("*.txt"):
        if source_name(path) not in keep:
            with contextlib.suppress(OSError):
                path.unlink()


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


def walk(corpus_dir: Path) -> Iterator[Path]:
    """Every file ingest looks at, sorted: hidden files and folders are left out, folder
    links are not followed (watch.py watches the same files)."""
    for dirpath, dirnames, filenames in os.walk(corpus_dir, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def supported(path: Path) -> bool:
    from assistant.extract import EXTRACTORS

    return path.suffix.lower() in LOADERS or path.suffix.lower() in EXTRACTORS


def read_document(
    path: Path, source: str, max_bytes: int, corpus_dir: Path, named: Path | None = None
) -> Document:
    """Load one file. Raises ValueError with a reason a person can read. `named`: the path
    the file is about to have (an upload being checked), for the kept extracted text."""
    loader = LOADERS.get(path.suffix.lower())
    if not supported(path):
        from assistant.extract import EXTRACTORS

        names = ", ".join(sorted({*LOADERS, *EXTRACTORS}))
        raise ValueError(f"unsupported file type {path.suffix or '(none)'!r} ({names})")
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
    if loader is None:
        return load_extracted(named or path, source, data, corpus_dir)
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
    for path in walk(corpus_dir):
        source = source_name(path)
        try:
            documents.append(read_document(path, source, max_bytes, corpus_dir))
        except ValueError as e:
            skipped.append(Skipped(source, str(e)))
    return documents, skipped
