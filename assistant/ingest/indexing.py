"""Ingest: bring the index in step with the corpus folder, embedding only what changed.

Does: load the corpus, compare each document's content hash with the one stored beside its
passages in Chroma, chunk and embed new or changed documents (a document whose text the index
already holds under another name, a file moved, renamed or copied, gets that one's vectors:
nothing is embedded), replace them in the store, and delete documents whose files are gone;
then bring the lexical index (BM25 and the corpus's words, store/lexical_files.py) in step
with the live documents, tokenising only the new ones.
Returns an `IngestReport` (the contract's summary).
Does not: touch the index when the corpus folder is missing or yields no document (a wrong
path must not wipe a good index), or drop a document whose file merely failed to read this
time (it is reported in `skipped` and its indexed passages stay).

Why not LangChain's `index(..., cleanup="full")`: it keeps its own record manager (a second
database) that can disagree with Chroma after a crash or when several machines share a Chroma
server, and it counts chunks where the contract counts documents. Storing the document hash
on each passage in Chroma gives the same incremental sync with Chroma as the only record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.chunking import chunk, sentences
from assistant.corpus import load_corpus, prune_extracted
from assistant.embedding import Embedder, embed_text, sentence_text
from assistant.errors import CorpusError, IndexStoreError
from assistant.settings import Settings
from assistant.store import Store, lexical_files
from assistant.store.manifest import key
from assistant.store.records import generality, version_ids
from assistant.types import Document, DocumentRecords, IngestReport, Passage, Skipped

# progress(total) is called once with the number of texts to embed and returns a callback
# that is then called with each batch's size.
ProgressFactory = Callable[[int], Callable[[int], None]]


GROUP_DOCUMENTS = 200  # documents embedded and written together


def _plan(passages: list[Passage]) -> tuple[list[tuple[str, Passage]], list[str]]:
    """A document's sentences (with their passages' ids) and the texts to embed: each
    passage whole, then each sentence (for tight quotes)."""
    pairs = [(p.id, s) for p in passages for s in sentences(p)]
    return pairs, [embed_text(p) for p in passages] + [sentence_text(s) for _, s in pairs]


def _embed_and_add(
    settings: Settings,
    store: Store,
    embedder: Embedder | None,
    progress: ProgressFactory | None,
    todo: list[Document],
    chunks: dict[str, list[Passage]],
    models: list[Embedder],
) -> list[DocumentRecords]:
    """Embed the new or changed documents in groups (or take a copy's vectors, `_copies`) and
    write their records, still invisible (see Store), and their lexical rows and sentence
    vectors (lexical_files.py), so a resumed ingest has them too. Only one group's texts and
    vectors are held at a time."""
    total = sum(1 + len(sentences(p)) for d in todo for p in chunks[d.source])
    if not total:
        return []
    store.manifest.begin([d.sha for d in todo])
    elsewhere = {d.sha: source for source, d in store.manifest.documents().items()}

    def model() -> Embedder:
        if not models:
            models.append(embedder or Embedder(settings.batch_size, settings.backend))
            _ = models[0].model
        return models[0]

    if not all(_indexed_elsewhere(d, elsewhere) for d in todo):
        model()  # load before the progress bar starts, so it measures embedding
    tick = progress(total) if progress else None
    written: list[DocumentRecords] = []
    for start in range(0, len(todo), GROUP_DOCUMENTS):
        group = todo[start : start + GROUP_DOCUMENTS]
        plans = {d.source: _plan(chunks[d.source]) for d in group}
        copies = _copies(settings, store, group, chunks, plans, elsewhere)
        new = [d for d in group if d.source not in copies]
        if tick and copies:
            tick(sum(len(plans[s][1]) for s in copies))
        batch = [t for d in new for t in plans[d.source][1]]
        vectors = model().encode_array(batch, progress=tick) if new else None
        records, offset = [], 0
        for d in group:
            if d.source in copies:
                records.append(copies[d.source])
                continue
            passages, (pairs, texts) = chunks[d.source], plans[d.source]
            mine = vectors[offset : offset + len(texts)]
            offset += len(texts)
            records.append(
                DocumentRecords(
                    document=d,
                    passages=passages,
                    passage_vectors=mine[: len(passages)],
                    sentences=pairs,
                    sentence_vectors=mine[len(passages) :],
                    generality=generality(mine[len(passages) :]),
                    embedded=True,
                )
            )
        store.writer.add(records)
        try:
            for r in records:
                lexical_files.keep(settings.lexical_dir, r)
        except OSError as e:
            raise _unwritable(settings, e) from None
        store.manifest.mark_written([r.document.sha for r in records])
        # Kept for the commit: the document and its passages, no sentences or vectors (at
        # 100k passages they would be most of ingest's memory).
        written += [
            replace(r, passage_vectors=None, sentences=(), sentence_vectors=None, generality=())
            for r in records
        ]
    return written


def _indexed_elsewhere(d: Document, elsewhere: dict[str, str]) -> bool:
    """Whether the index holds this document's text under another source (`elsewhere`: the
    live documents' sources by hash)."""
    return elsewhere.get(d.sha, d.source) != d.source


def _copies(
    settings: Settings,
    store: Store,
    group: list[Document],
    chunks: dict[str, list[Passage]],
    plans: dict[str, tuple[list[tuple[str, Passage]], list[str]]],
    elsewhere: dict[str, str],
) -> dict[str, DocumentRecords]:
    """The records, by source, of those documents whose text the index already holds under
    another source (a file moved, renamed or copied), with the vectors made for that one:
    its passages' from the store (one read for the group), its sentences' from the lexical
    index's copy (or the store's sentence records, on a Chroma server). A document without
    such a source, or without every vector there, is left out (it is embedded). `plans`:
    each document's sentences and texts to embed (`_plan`)."""
    import numpy as np

    wanted = [d for d in group if _indexed_elsewhere(d, elsewhere)]

    def indexed_ids(d: Document) -> list[tuple[str, tuple[str, ...]]]:
        """Each passage's and its sentences' record ids under the name already indexed."""
        return [version_ids(replace(p, source=elsewhere[d.sha]), d.sha) for p in chunks[d.source]]

    old = {d.source: indexed_ids(d) for d in wanted}
    held = store.reader.passage_vectors([pid for d in wanted for pid, _ in old[d.source]])
    out: dict[str, DocumentRecords] = {}
    for d in wanted:
        passages, ids = chunks[d.source], [pid for pid, _ in old[d.source]]
        if not ids or any(i not in held for i in ids):
            continue
        pairs = plans[d.source][0]
        kept = lexical_files.read_vectors(settings.lexical_dir, d.sha, len(pairs))
        if kept is None:
            s_ids = [sid for _, sids in old[d.source] for sid in sids]
            found, general, whole = store.reader.sentence_vectors(s_ids)
            if not whole:
                continue
            kept = found, general
        out[d.source] = DocumentRecords(
            document=d,
            passages=passages,
            passage_vectors=np.stack([held[i] for i in ids]),
            sentences=pairs,
            sentence_vectors=np.asarray(kept[0], dtype=np.float32),
            generality=[float(g) for g in kept[1]],
        )
    return out


def _unwritable(settings: Settings, e: OSError) -> IndexStoreError:
    return IndexStoreError(
        f"The lexical index in {settings.lexical_dir} could not be written ({e.strerror or e})."
    )


def _unembedded(document: Document, passages: list[Passage]) -> DocumentRecords:
    """A version whose records are already in the index (written by an ingest that was
    stopped before its commit): what the commit and the lexical index need, no vectors."""
    pairs = [(p.id, s) for p in passages for s in sentences(p)]
    return DocumentRecords(document, passages, None, pairs, None, [])


def _update_lexical(
    settings: Settings,
    store: Store,
    live: dict[str, dict[str, Any]],
    resumed: list[DocumentRecords],
    changed: bool,
    models: list[Embedder],
) -> None:
    """The lexical index of the live documents, saved for every process that serves them
    (the model is loaded only if there are new words to embed). The documents embedded now
    kept their rows as they were written; `resumed` ones may not have (an older version
    wrote them)."""
    folder, name = settings.lexical_dir, key(live)
    if not changed and lexical_files.built_path(folder, name).is_dir():
        return  # nothing changed, and its index is there

    def encode(texts: list[str]) -> Any:
        if not models:
            models.append(Embedder(settings.batch_size, settings.backend))
        return models[0].encode_array(texts)

    try:
        lexical_files.update(folder, name, live, resumed, store.reader, encode)
    except OSError as e:  # the index itself is committed; a server rebuilds this on start
        raise _unwritable(settings, e) from None


def ingest_lock(settings: Settings, wait: float = 0) -> Any:
    """One ingest at a time per index: a lock file beside the on-disk index, or in the temp
    folder (per server URL and collection) for a Chroma server. Released when the process
    ends, however it ends. `wait`: seconds to wait for another ingest to finish."""
    import hashlib
    import tempfile

    from filelock import FileLock, Timeout

    if settings.chroma_url:
        key = hashlib.sha256(f"{settings.chroma_url}/{settings.collection}".encode()).hexdigest()
        path = Path(tempfile.gettempdir()) / f"assistant-ingest-{key[:16]}.lock"
    else:
        Path(settings.db_dir).mkdir(parents=True, exist_ok=True)
        path = Path(settings.db_dir) / f".ingest-{settings.collection}.lock"
    lock = FileLock(str(path), timeout=wait)

    class _Held:
        def __enter__(self) -> None:
            try:
                lock.acquire()
            except Timeout:
                raise IndexStoreError(
                    "Another ingest is already running on this index; try again when it has "
                    "finished."
                ) from None
            except OSError as e:
                raise IndexStoreError(
                    f"Cannot lock the index for ingest ({e.strerror or e})."
                ) from None

        def __exit__(self, *exc: object) -> None:
            lock.release()

    return _Held()


def ingest(
    settings: Settings,
    store: Store | None = None,
    embedder: Embedder | None = None,
    progress: ProgressFactory | None = None,
    wait: float = 0,
) -> IngestReport:
    """Sync the index with `settings.corpus_dir`. Raises `AssistantError` subclasses.
    `wait`: seconds to wait for another ingest of the same index to finish first."""
    t0 = time.perf_counter()
    store = store or Store(settings)
    documents, skipped = load_corpus(settings.corpus_dir, settings.max_file_bytes)
    if not documents:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3])
        more = f" ({len(skipped)} files skipped: {reasons})" if skipped else ""
        raise CorpusError(
            f"The corpus folder {settings.corpus_dir} holds no document that can be indexed "
            f"(supported: .txt, .md, .html, .pdf, .docx){more}. The index was left as it "
            "was."
        )

    store.open()  # opens (and checks) the index first
    with ingest_lock(settings, wait):
        store.manifest.reset_if_unversioned()
        store.connection.widen_search()
        indexed = store.manifest.documents()
        current = {d.source for d in documents}
        failed = {s.path for s in skipped}

        todo = [d for d in documents if d.source not in indexed or indexed[d.source].sha != d.sha]
        chunks = {d.source: chunk(d) for d in todo}
        for d in [d for d in todo if not chunks[d.source]]:
            skipped.append(Skipped(d.source, "no paragraph long enough to index"))
            failed.add(d.source)
            todo.remove(d)
        # What a killed ingest left behind goes, but for the versions it wrote whole that are
        # still wanted: those are committed now without being embedded again.
        store.manifest.clean_up(keep=[d.sha for d in todo])
        done = set(store.manifest.written())
        resumed = [_unembedded(d, chunks[d.source]) for d in todo if d.sha in done]
        gone = sorted(set(indexed) - current - failed)
        models = [embedder] if embedder else []
        fresh = [d for d in todo if d.sha not in done]
        written = _embed_and_add(settings, store, embedder, progress, fresh, chunks, models)
        if todo or gone:
            # the single write that makes the new index live
            store.manifest.commit(resumed + written, gone)
            store.manifest.clean_up()
        embedded = sum(len(r.passages) for r in written if r.embedded)
        changed, unchanged = bool(todo or gone), len(documents) - len(todo)
        extracted = {d.text_file for d in documents}
        # The documents' texts and passages are not needed from here on: let them go before
        # the lexical index is built (at 100k passages they are a few hundred MB).
        del documents, todo, chunks, written, fresh
        live = store.manifest.live()
        _update_lexical(settings, store, live, resumed, changed, models)
        after = store.manifest.documents()
        # Texts extracted for versions no longer indexed (after the commit, so the index that
        # was live until now could still show its quotes' files).
        prune_extracted(settings.corpus_dir, extracted | {d.text_file for d in after.values()})
    if not after:
        raise CorpusError(f"No document from {settings.corpus_dir} could be indexed.")
    return IngestReport(
        documents=len(after),
        passages=sum(d.passages for d in after.values()),
        embedded=embedded,
        unchanged=unchanged - len(failed & current),
        removed=len(gone),
        skipped=skipped,
        seconds=time.perf_counter() - t0,
    )
