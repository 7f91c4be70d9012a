"""Deterministic synthetic corpora for scale runs: no download, same bytes for the same size.

`make_corpus(folder, passages)` writes Markdown documents of ten passages each (a title,
section headings, paragraphs and bullet items) built from common English words, plus the two
real articles and their collection's `.collection/` folder, so the labelled questions still
have their answers somewhere in the pile.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from assistant.text import english_ranks

ROOT = Path(__file__).resolve().parent.parent
PASSAGES_PER_DOCUMENT = 10


def _words() -> list[str]:
    ranked = sorted(english_ranks().items(), key=lambda kv: kv[1])
    return [w for w, _ in ranked[100:6000] if w.isalpha() and len(w) > 2]


def _sentence(rng: random.Random, words: list[str]) -> str:
    n = rng.randint(8, 18)
    text = " ".join(rng.choice(words) for _ in range(n))
    return text[0].upper() + text[1:] + "."


def _document(rng: random.Random, words: list[str], number: int) -> str:
    title = " ".join(rng.choice(words) for _ in range(rng.randint(3, 7))).title()
    lines = [f"# {title} ({number})", ""]
    made = 0
    while made < PASSAGES_PER_DOCUMENT:
        lines += [f"## {' '.join(rng.choice(words) for _ in range(3)).title()}", ""]
        for _ in range(min(rng.randint(2, 4), PASSAGES_PER_DOCUMENT - made)):
            if rng.random() < 0.3:
                label = rng.choice(words).title()
                lines += [f"- {label}: {_sentence(rng, words)}", ""]
            else:
                sentences = [_sentence(rng, words) for _ in range(rng.randint(1, 3))]
                lines += [" ".join(sentences), ""]
            made += 1
        lines.append("")
    return "\n".join(lines)


def articles(n: int, seed: int = 7) -> list[str]:
    """The first `n` synthetic Markdown articles, the texts `make_corpus` writes."""
    rng = random.Random(seed)
    words = _words()
    return [_document(rng, words, i) for i in range(n)]


def make_corpus(
    folder: Path, passages: int, seed: int = 7, articles_from: Path | None = None
) -> Path:
    """Write a corpus of about `passages` synthetic passages, plus the real articles (those
    of `articles_from`, else the project's corpus/ folder)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    documents = passages // PASSAGES_PER_DOCUMENT  # 0: the articles alone
    for i, text in enumerate(articles(documents, seed)):
        sub = folder / f"part-{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc-{i:06d}.md").write_text(text, encoding="utf-8")
    for article in (articles_from or ROOT / "corpus").iterdir():
        if article.is_file():
            shutil.copy(article, folder / article.name)
        elif article.name == ".collection":  # its profile and lay terms, as the product has them
            shutil.copytree(article, folder / article.name)
    return folder
