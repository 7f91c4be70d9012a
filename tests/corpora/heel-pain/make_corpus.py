"""Regenerate the heel-pain corpus files from the texts kept in tests/corpora/heel-pain/source/.

The three articles are kept as plain text in source/ and written into corpus/ in other formats
(tests/documents.py), so the labelled questions exercise the HTML, PDF and Word extractors:

- why-your-heel-hurts-in-the-morning.html: a saved blog page with site furniture around it
- home-treatments-for-plantar-fasciitis.pdf: a text PDF over two pages
- heel-pain-diagnosis-and-recovery.docx: a Word document with Title/Heading/List styles

Output is deterministic (fixed dates and metadata), so rerunning gives the same bytes.
Run from the project root: .venv/bin/python tests/corpora/heel-pain/make_corpus.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from tests.documents import blocks_from_text, docx_bytes, html_page, pdf_bytes  # noqa: E402

SOURCE = HERE / "source"
CORPUS = HERE / "corpus"


def main() -> None:
    def read(name: str) -> tuple[str, list[tuple[str, str]]]:
        return blocks_from_text((SOURCE / f"{name}.txt").read_text(encoding="utf-8"))

    outputs = {
        "why-your-heel-hurts-in-the-morning.html": html_page(
            *read("why-your-heel-hurts-in-the-morning"),
            url="https://example.org/heel-pain/morning",
        ).encode("utf-8"),
        "home-treatments-for-plantar-fasciitis.pdf": pdf_bytes(
            *read("home-treatments-for-plantar-fasciitis")
        ),
        "heel-pain-diagnosis-and-recovery.docx": docx_bytes(
            *read("heel-pain-diagnosis-and-recovery")
        ),
    }
    for name, data in outputs.items():
        path = CORPUS / name
        path.write_bytes(data)
        print(f"{path.relative_to(ROOT)}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
