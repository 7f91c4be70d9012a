"""Fusion: three ranked lists of passages made into one list of candidate passages.

Does: reciprocal rank fusion (RRF, k = `RRF_K`) of passages by embedding similarity,
passages by their best sentences' similarity (each passage counted once, at its best
sentence) and passages by BM25; keep the `top` fused, plus the passages of the best
sentences and the best BM25 matches (a passage strong in one list only ranks low in the
fusion, but its sentences deserve to be judged); then bring each candidate's followers (a
list's items after its lead-in, a paragraph's "For example, ..." continuation), ranked
right after it and scored at least as high. Every candidate carries its own BM25 score
(`Lexical.scores`), whether or not BM25's list holds it. Name the `DOCUMENTS` documents a
question is about (`about`): those whose passages the fusion ranks best, so that in a large
collection the retriever can fuse again among their passages only (retriever.py).
Does not: search (retriever.py) or score sentences (features.py, scoring.py).
"""

from __future__ import annotations

from assistant.store.lexical import Lexical

RRF_K = 60
TOP_SENTENCE_PASSAGES = 12
TOP_LEXICAL_PASSAGES = 4
# The candidates of a collection of more documents come from this many of them (held out
# against 2, 3 and 8 among 100,000 unrelated passages: docs/answering.md).
DOCUMENTS = 4


Ranked = tuple[str, float, float, float]  # passage id, fused score, cosine, BM25 score


def fuse(
    dense: list[tuple[str, float]],
    by_sentence: list[tuple[str, float]],
    bm25: list[tuple[str, float]],
    lexical: Lexical,
    top: int,
    stems: list[str],
    among: list[int] | None = None,
) -> list[Ranked]:
    """The candidate passages, best first. Every id given must be a live passage of
    `lexical` (the vector results are filtered to it; BM25 indexes exactly those). Each
    carries its own BM25 score for the query's `stems`, also when it is not in the `bm25`
    list (among many passages, one found by meaning alone often is not); with `among`
    (documents), the score weighs each word by its rarity among their passages."""
    fused: dict[str, float] = {}
    cosine: dict[str, float] = {}
    for rank, (pid, sim) in enumerate(dense):
        fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
        cosine[pid] = sim
    seen: set[str] = set()
    for pid, sim in by_sentence:
        if pid in seen:
            continue
        fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + len(seen))
        cosine[pid] = max(cosine.get(pid, -1.0), sim)
        seen.add(pid)
    for rank, (pid, _) in enumerate(bm25):
        fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
    candidates = sorted(fused, key=lambda p: -fused[p])[:top]
    extra = [pid for pid, _ in by_sentence[:TOP_SENTENCE_PASSAGES]]
    extra += [pid for pid, _ in bm25[:TOP_LEXICAL_PASSAGES]]
    for pid in extra:
        if pid not in candidates:
            candidates.append(pid)
    items = {pid: lexical.list_items(pid) for pid in candidates}
    continues = {pid: lexical.continuation(pid) for pid in candidates}
    followers = [f for pid in candidates for f in items[pid]]
    followers += [n for n in continues.values() if n is not None]
    scores = lexical.scores(stems, [*candidates, *followers], among)
    chosen: list[str] = []
    for pid in candidates:
        follow = [*items[pid]]
        nxt = continues[pid]
        if nxt is not None:
            follow.append(nxt)
            fused[nxt] = max(fused.get(nxt, 0.0), fused.get(pid, 0.0))
            scores[nxt] = max(scores.get(nxt, 0.0), scores.get(pid, 0.0))
        for item in [pid, *follow]:
            if item not in chosen:
                chosen.append(item)
    return [
        (pid, fused.get(pid, 0.0), cosine.get(pid, 0.0), scores.get(pid, 0.0)) for pid in chosen
    ]


def about(
    ranked: list[Ranked], found: list[str], lexical: Lexical, n: int = DOCUMENTS
) -> list[int] | None:
    """The `n` documents (as numbers) a question is about: those whose best passage ranks
    highest in `ranked`; a document of the searches' passages (`found`) that the fusion left
    out counts after them. None when those passages come from no more than `n` documents:
    there is nothing to leave out (so a collection of a few articles is searched as before)."""
    best: dict[int, float] = {d: 0.0 for d in lexical.documents_of(found)}
    for pid, fused, *_ in ranked:
        for d in lexical.documents_of([pid]):
            best[d] = max(best.get(d, 0.0), fused)
    if len(best) <= n:
        return None
    return sorted(sorted(best, key=lambda d: -best[d])[:n])
