"""Articles: add a file to the corpus folder or remove one, then bring the index in step.

Does: take an uploaded file under its own name (refusing names with path separators or `..`,
hidden names, unsupported types, files over the size limit and names already in the corpus),
check that it yields article text *before* it enters the corpus folder, copy it in under a
hidden temporary name and rename it into place (an interrupted copy never shows up as an
article), then run an incremental ingest. Removing moves the file into the corpus's hidden
`.removed/` folder (a mistaken click loses nothing) and ingests. Both return the ingest's
`IngestReport`, and raise `ArticleError` with a one-line reason for bad input, leaving the
folder and the index as they were.
Does not: fetch web pages (fetch.py), or watch the folder (watch.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from assistant.corpus import read_document, source_name, supported
from assistant.errors import ArticleError
from assistant.settings import Settings
from assistant.types import IngestReport

REMOVED = ".removed"  # the corpus's hidden folder of removed articles
WAIT_FOR_INGEST = 120.0  # seconds to wait for another ingest (a watcher's) to finish

Ingest = Callable[[Settings], IngestReport]

_UNSAFE = re.compile(r"[^\w.+-]+")


def safe_name(name: str) -> str:
    """A file name fit for the corpus folder, or an `ArticleError` saying why not. Spaces
    and unusual characters become "-"; separators, `..` and hidden names are refused."""
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise ArticleError("The file has no name.")
    if "/" in name or "\\" in name or "\x00" in name or ".." in name:
        raise ArticleError(f"Refused {name!r}: a file name may not contain / \\ or '..'.")
    if name.startswith("."):
        raise ArticleError(f"Refused {name!r}: hidden files (starting with '.') are not indexed.")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        raise ArticleError(f"Refused {name!r}: the name has no file type (.txt, .pdf, ...).")
    stem = _UNSAFE.sub("-", stem).strip("-") or "article"
    clean = f"{stem[:120]}.{suffix.lower()}"
    if not supported(Path(clean)):
        raise ArticleError(
            f"Refused {name!r}: unsupported file type (use .txt, .md, .html, .pdf or .docx)."
        )
    return clean


def add_file(settings: Settings, upload: Path, name: str, ingest: Ingest) -> IngestReport:
    """Put the file at `upload` into the corpus folder as `name` (made safe), and ingest."""
    corpus = settings.corpus_dir
    target = corpus / safe_name(name)
    if target.exists():
        raise ArticleError(
            f"An article named {target.name!r} is already in the corpus; remove it first or "
            "rename the file."
        )
    try:
        size = upload.stat().st_size
    except OSError:
        raise ArticleError("The upload did not arrive complete; please try again.") from None
    if size > settings.max_file_bytes:
        raise ArticleError(
            f"Refused {target.name!r}: too large ({size:,} bytes; the limit is "
            f"{settings.max_file_bytes:,})."
        )
    if not corpus.is_dir():
        raise ArticleError(f"The corpus folder {corpus} does not exist.")
    tmp = corpus / f".upload-{os.getpid()}-{target.name}"
    try:
        shutil.copyfile(upload, tmp)
        _check(tmp, target, settings)  # before it can be seen as an article
        os.replace(tmp, target)
    except OSError as e:
        raise ArticleError(f"Could not save {target.name!r} ({e.strerror or e}).") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    report = ingest(settings)
    why = next((s.reason for s in report.skipped if Path(s.path).name == target.name), None)
    if why is not None:  # indexing found nothing in it after all: take it back out
        with contextlib.suppress(OSError):
            target.unlink()
        raise ArticleError(f"Refused {target.name!r}: {why}.")
    return report


def _check(tmp: Path, target: Path, settings: Settings) -> None:
    """Read the copied file as the article it would become; `ArticleError` if it is not one.
    (An extracted text made here is kept, so ingest does not extract it again.)"""
    try:
        # Extract under the final name so the kept text is found again at ingest.
        read_document(tmp, source_name(target), settings.max_file_bytes, tmp.parent, target)
    except ValueError as e:
        raise ArticleError(f"Refused {target.name!r}: {e}.") from None


def remove(settings: Settings, source: str, indexed: set[str], ingest: Ingest) -> IngestReport:
    """Move the indexed article `source` (a citation's source) out of the corpus, and ingest."""
    if source not in indexed:
        raise ArticleError(f"There is no indexed article {source!r}.")
    path = Path(source)
    corpus = settings.corpus_dir.resolve()
    try:
        relative = path.resolve().relative_to(corpus)
    except (ValueError, OSError):
        raise ArticleError(f"{source!r} is not in the corpus folder.") from None
    if not path.is_file():
        raise ArticleError(f"The file {source!r} is no longer in the corpus folder.")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = corpus / REMOVED / relative.parent / f"{stamp}-{relative.name}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    except OSError as e:
        raise ArticleError(f"Could not remove {source!r} ({e.strerror or e}).") from None
    return ingest(settings)
