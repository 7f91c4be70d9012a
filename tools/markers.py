"""Generated figures in the docs: replace what stands between a pair of markers.

`fill(path, "bench", {"formats": table})` rewrites the text between `<!-- bench:formats -->`
and `<!-- /bench:formats -->` in the file at `path` and returns the names it found. Used by
`make bench` (docs/performance.md) and `python -m tools eval --write-docs` (README.md,
docs/answering.md), so the figures there come from a run, not from copying.
Does not: add markers (a block without its pair of markers is left out).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def fill(path: Path, prefix: str, blocks: Mapping[str, str]) -> list[str]:
    """Put each block between its markers in the file; the names of the blocks written."""
    text = path.read_text(encoding="utf-8")
    written = []
    for name, body in blocks.items():
        begin, end = f"<!-- {prefix}:{name} -->", f"<!-- /{prefix}:{name} -->"
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            text = f"{head}{begin}\n{body}\n{end}{rest.split(end, 1)[1]}"
            written.append(name)
    path.write_text(text, encoding="utf-8")
    return written
