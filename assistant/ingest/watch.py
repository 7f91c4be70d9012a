"""Watch: keep the index in step with the corpus folder until interrupted.

Does: look at the folder's files (name, size, modification time) every `POLL` seconds; when
something was added, changed or removed, wait until the folder has been still for `SETTLE`
seconds (a file being written keeps changing; a copy in progress is not indexed half-way),
then run one incremental ingest and report it. A file that is still unreadable when the folder
settles (a PDF cut short) is skipped and tried again as soon as it changes.
Why polling and not watchdog: one `stat` per file a second costs nothing at corpus sizes, it
works the same on every platform and on network and container mounts, where file-system
events are unreliable, and it has no extra dependency; changes still show up in about two
seconds.
Does not: ingest anything itself (indexing.py does), or notice files in hidden folders.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from assistant.corpus import walk

POLL = 0.5  # seconds between looks at the folder
SETTLE = 1.0  # seconds the folder must be still before an ingest

Snapshot = dict[str, tuple[int, int]]


def snapshot(corpus_dir: Path) -> Snapshot:
    """path -> (size, modification time in ns) of every file ingest would look at (the
    corpus's own walk: hidden files and folders left out, folder links not followed)."""
    out: Snapshot = {}
    for path in walk(corpus_dir):
        try:
            st = path.stat()
        except OSError:
            continue
        out[str(path)] = (st.st_size, st.st_mtime_ns)
    return out


def watch(
    corpus_dir: Path,
    sync: Callable[[], None],
    stop: threading.Event | None = None,
    poll: float = POLL,
    settle: float = SETTLE,
) -> None:
    """Call `sync` once now, then after every settled change, until `stop` is set."""
    stop = stop or threading.Event()
    synced = snapshot(corpus_dir)
    sync()
    seen, still_since = synced, time.monotonic()
    while not stop.wait(poll):
        now = snapshot(corpus_dir)
        if now != seen:
            seen, still_since = now, time.monotonic()
            continue
        if now != synced and time.monotonic() - still_since >= settle:
            synced = now
            sync()
