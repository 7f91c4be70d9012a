"""The lexical index on disk: kept beside the index, built at ingest, loaded by every process.

Layout of the folder (`Settings.lexical_dir`: inside the on-disk index, or for a Chroma
server a folder of this machine named after the server and collection):
  docs/<sha>.json   one document version's passages, tokenised (lexical.Row), written when
                    it is ingested; content-addressed, so a kill mid-write leaves no lie
                    (two sources with the same text share the files: read for another
                    source than they were written for, they are given its ids, `kept_rows`)
  docs/<sha>.npz    its sentences' vectors (float16) and generality, written as soon as
                    they are embedded (so a resumed ingest has them too)
  docs/<sha>.passages.json
                    its passages (text, title, offsets, ...), in the order of its rows
  built/<key>.<n>/  the whole index for one live manifest (`key`, manifest.py) in format n,
                    saved by Lexical.save with `meaning.npy`, the vectors of its meaning words,
                    every live sentence's vector and generality, and every live passage
  words.json/.npy   every corpus word embedded so far and its vector: a new version embeds
                    only the words it adds
Does: `keep` (ingest, as it writes a document version) keeps its rows, passages and sentence
vectors; `update` (after the commit) keeps the rows and passages of versions it did not,
builds the live manifest's index from the documents' rows (no passage read back from Chroma)
and saves it; `load` (a serving process, whenever the index's version changes) loads the
saved index, or builds and saves it when it is missing (an index written before this
existed, or a server first used from this machine), reading from Chroma only the documents
it has no rows, passages or sentence vectors for.
Writes go to a temporary name renamed into place, so readers never see half an index; only
the newest `KEEP` built indexes are kept.
Does not: embed (it is given an `encode` function) or search (search/).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import astuple, replace
from pathlib import Path
from typing import Any

from assistant.chunking import sentences
from assistant.embedding import sentence_text
from assistant.store.lexical import FORMAT, PASSAGE_FILES, Lexical, Row, passage_blob, row
from assistant.store.reader import Reader
from assistant.store.records import DIMENSIONS, generality, record_id, version_ids
from assistant.types import DocumentRecords, Passage

KEEP = 2
Encode = Callable[[list[str]], Any]  # texts -> a float32 matrix of unit vectors


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _doc_file(folder: Path, sha: str) -> Path:
    return folder / "docs" / f"{sha}.json"


def write_rows(folder: Path, sha: str, rows: Iterable[Row]) -> None:
    """Keep one document version's tokenised passages."""
    _write_json(_doc_file(folder, sha), [list(r) for r in rows])


def _passages_file(folder: Path, sha: str) -> Path:
    return folder / "docs" / f"{sha}.passages.json"


def write_passages(folder: Path, sha: str, passages: Iterable[Passage]) -> None:
    """Keep one document version's passages, in the order of its rows."""
    _write_json(_passages_file(folder, sha), [astuple(p) for p in passages])


def read_passages(folder: Path, sha: str, count: int) -> list[Passage] | None:
    """One document version's kept passages, if there are `count`."""
    try:
        raw = json.loads(_passages_file(folder, sha).read_text(encoding="utf-8"))
        got = [Passage(*p) for p in raw]
    except (OSError, ValueError, TypeError):
        return None
    return got if len(got) == count else None


def _vectors_file(folder: Path, sha: str) -> Path:
    return folder / "docs" / f"{sha}.npz"


def write_vectors(folder: Path, sha: str, vectors: Any, generality: Any) -> None:
    """Keep one document version's sentence vectors (float16) and generality."""
    import numpy as np

    path = _vectors_file(folder, sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    with os.fdopen(fd, "wb") as f:
        np.savez(
            f,
            vectors=np.asarray(vectors, dtype=np.float16).reshape(-1, DIMENSIONS),
            generality=np.asarray(generality, dtype=np.float32),
        )
    os.replace(tmp, path)


def read_vectors(folder: Path, sha: str, count: int) -> tuple[Any, Any] | None:
    """One document version's kept sentence vectors and generality, if there are `count`."""
    import numpy as np

    try:
        with np.load(_vectors_file(folder, sha)) as z:
            vectors, generality = z["vectors"], z["generality"]
    except (OSError, ValueError, KeyError):
        return None
    if len(vectors) != count or len(generality) != count:
        return None
    return vectors, generality


def read_rows(folder: Path, sha: str) -> list[Row] | None:
    """One document version's kept rows (None when there are none, or they are damaged).
    Words and stems are interned: a large collection repeats them millions of times."""
    intern = sys.intern
    try:
        raw = json.loads(_doc_file(folder, sha).read_text(encoding="utf-8"))
        return [
            Row(
                r[0],
                intern(r[1]),
                intern(r[2]),
                intern(r[3]),
                r[4],
                r[5],
                tuple(map(intern, r[6])),
                tuple(map(intern, r[7])),
                tuple(r[8]),
            )
            for r in raw
        ]
    except (OSError, ValueError, IndexError, TypeError):
        return None


def _as_source(p: Passage, source: str, d: Mapping[str, Any]) -> Passage:
    """A kept passage as the live document at `source` (`d`: its manifest entry) has it."""
    if p.source == source:
        return p
    return replace(
        p, source=source, text_file=str(d.get("text_file", "")), url=str(d.get("url", ""))
    )


def kept_rows(folder: Path, source: str, d: Mapping[str, Any]) -> list[Row] | None:
    """The kept rows of the live document at `source` (`d`: its manifest entry), if whole.
    Rows are kept by content hash, so two sources with the same text (a file copied, moved
    or renamed) share them: kept for another source, they get this one's source and record
    ids, as ingest makes them for it (from the kept passages)."""
    sha = str(d["sha"])
    rows = read_rows(folder, sha)
    if rows is None or len(rows) != int(d.get("passages", -1)):
        return None
    if all(r.source == source for r in rows):
        return rows
    passages = read_passages(folder, sha, len(rows))
    if passages is None:
        return None
    ids = [version_ids(_as_source(p, source, d), sha) for p in passages]
    if [len(s) for _, s in ids] != [len(r.sentences) for r in rows]:
        return None  # split otherwise since: not rows to give this source
    return [
        r._replace(id=pid, source=source, sentences=s)
        for r, (pid, s) in zip(rows, ids, strict=True)
    ]


def document_rows(r: DocumentRecords) -> list[Row]:
    """The rows of a document version being ingested, with their record ids."""
    sha = r.document.sha
    ids: dict[str, list[str]] = {}
    for pid, s in r.sentences:
        ids.setdefault(pid, []).append(record_id(s.id, sha))
    return [row(record_id(p.id, sha), p, tuple(ids.get(p.id, ()))) for p in r.passages]


def keep(folder: Path, r: DocumentRecords) -> None:
    """Keep a document version being ingested: its rows, its passages and its sentences'
    vectors."""
    write_rows(folder, r.document.sha, document_rows(r))
    write_passages(folder, r.document.sha, r.passages)
    write_vectors(folder, r.document.sha, r.sentence_vectors, r.generality)


def _word_vectors(folder: Path, wanted: list[str], encode: Encode) -> Any:
    """Vectors of `wanted`, in order: from the word cache, embedding (and adding) only the
    words it does not hold yet."""
    import numpy as np

    known: list[str] = []
    vectors = np.zeros((0, 384), dtype=np.float32)
    try:
        known = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "words.npy")
        if len(vectors) != len(known):
            known, vectors = [], np.zeros((0, 384), dtype=np.float32)
    except (OSError, ValueError):
        pass
    where = {w: i for i, w in enumerate(known)}
    new = [w for w in wanted if w not in where]
    if new:
        added = np.asarray(encode(new), dtype=np.float32).reshape(len(new), -1)
        vectors = np.concatenate([vectors.reshape(-1, added.shape[1]), added])
        for w in new:
            where[w] = len(where)
        known += new
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npy")
            with os.fdopen(fd, "wb") as f:
                np.save(f, vectors)
            os.replace(tmp, folder / "words.npy")
            _write_json(folder / "words.json", known)
        except OSError:
            pass  # a read-only folder: the vectors are still right, only not kept
    if not wanted:
        return np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 384), dtype=np.float32)
    return vectors[[where[w] for w in wanted]]


def built_path(folder: Path, key: str) -> Path:
    """Where the index for `key` is kept (an index of another format is another folder)."""
    return folder / "built" / f"{key}.{FORMAT}"


def _sentence_parts(
    folder: Path,
    live: Mapping[str, Mapping[str, Any]],
    rows: dict[str, list[Row]],
    reader: Reader,
    encode: Encode,
) -> Iterator[tuple[Any, Any]]:
    """Each live document's sentence vectors and generality, in the index's order: the kept
    ones; else the store's sentence records (a Chroma server, or an index written before
    these were kept); else its sentences embedded again. Those found are kept."""
    for source in sorted(rows):
        sha = str(live[source]["sha"])
        ids = [i for r in rows[source] for i in r.sentences]
        got = read_vectors(folder, sha, len(ids))
        if got is None:
            vectors, generality, whole = reader.sentence_vectors(ids)
            if not whole:
                vectors, generality, whole = _embedded_again(rows[source], reader, encode)
            got = vectors, generality
            if whole:
                with contextlib.suppress(OSError):  # read-only: made again next time
                    write_vectors(folder, sha, vectors, generality)
        yield got


def _passage_parts(
    folder: Path,
    live: Mapping[str, Mapping[str, Any]],
    rows: dict[str, list[Row]],
    reader: Reader,
) -> Iterator[list[Passage]]:
    """Each live document's passages, in the index's order: the kept ones, else the store's
    (an index written before these were kept), which are then kept. OSError when the store
    no longer holds them all (the document changed since)."""
    for source in sorted(rows):
        sha = str(live[source]["sha"])
        got = read_passages(folder, sha, len(rows[source]))
        if got is not None:
            got = [_as_source(p, source, live[source]) for p in got]
        else:
            found = reader.passages_by_id([r.id for r in rows[source]])
            if len(found) != len(rows[source]):
                raise OSError(f"{source}: the index no longer holds all its passages")
            got = [found[r.id] for r in rows[source]]
            with contextlib.suppress(OSError):
                write_passages(folder, sha, got)
        yield got


def _embedded_again(rows: list[Row], reader: Reader, encode: Encode) -> tuple[Any, Any, bool]:
    """A document's sentences embedded from its passages' texts, split as ingest split them
    (whether there are as many as its rows name)."""
    import numpy as np

    wanted = sum(len(r.sentences) for r in rows)
    texts = reader.passages_by_id([r.id for r in rows])
    found = [s for r in rows if r.id in texts for s in sentences(texts[r.id])]
    if len(found) != wanted:
        zeros = np.zeros((wanted, DIMENSIONS), dtype=np.float32)
        return zeros, np.zeros(wanted, dtype=np.float32), False
    vectors = np.asarray(encode([sentence_text(s) for s in found]), dtype=np.float32)
    vectors = vectors.reshape(wanted, DIMENSIONS)
    return vectors, np.asarray(generality(vectors), dtype=np.float32), True


def _save(
    folder: Path,
    key: str,
    lexical: Lexical,
    meaning: Any,
    parts: Callable[[], Iterable[tuple[Any, Any]]],
    passages: Callable[[], Iterable[list[Passage]]],
) -> None:
    """Save the index, its meaning words' vectors, its sentences' vectors and its passages
    (both streamed into place document by document, never all in memory)."""
    import numpy as np

    versions = folder / "built"
    versions.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=versions, prefix=".tmp-"))
    lexical.save(tmp)
    np.save(tmp / "meaning.npy", np.asarray(meaning, dtype=np.float32))
    try:
        _save_passages(tmp, len(lexical.ids), passages())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    count = lexical.sentence_count
    generality = np.zeros(count, dtype=np.float32)
    # Written as a plain file, a document at a time (a memory map being written would count
    # every page of it in this process's memory: 200 MB at 100k passages).
    header = {"descr": "<f2", "fortran_order": False, "shape": (count, DIMENSIONS)}
    at = 0
    try:
        with (tmp / "sentence_vectors.npy").open("wb") as f:
            np.lib.format.write_array_header_1_0(f, header)
            for v, g in parts():
                f.write(np.ascontiguousarray(v, dtype="<f2").reshape(-1, DIMENSIONS).tobytes())
                generality[at : at + len(g)] = g
                at += len(g)
        if at != count:
            raise OSError(f"{at} sentence vectors for {count} sentences")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    np.save(tmp / "generality.npy", generality)
    target = built_path(folder, key)
    if target.exists():  # another process built the same version first: theirs stands
        shutil.rmtree(tmp, ignore_errors=True)
        return
    os.replace(tmp, target)
    versions = sorted(
        (p for p in versions.iterdir() if not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in versions[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)


def _save_passages(folder: Path, count: int, passages: Iterable[list[Passage]]) -> None:
    """Write the passages (`passage_blob`, in index order) and their offsets."""
    import numpy as np

    ptr = np.zeros(count + 1, dtype=np.int64)
    at = 0
    blobs, offsets = (folder / name for name in PASSAGE_FILES)
    with blobs.open("wb") as f:
        for group in passages:
            for p in group:
                if at == count:
                    raise OSError(f"more passages than the index's {count}")
                ptr[at + 1] = ptr[at] + f.write(passage_blob(p))
                at += 1
    if at != count:
        raise OSError(f"{at} passages for an index of {count}")
    np.save(offsets, ptr)


def _load(folder: Path, key: str) -> tuple[Lexical, Any] | None:
    import numpy as np

    target = built_path(folder, key)
    try:
        lexical = Lexical.load(target)
        meaning = np.load(target / "meaning.npy", mmap_mode="r")
    except (OSError, ValueError, KeyError):
        return None
    whole = lexical.has_vectors and lexical.has_passages
    if len(meaning) != len(lexical.meaning_words) or not whole:
        return None
    return lexical, meaning


def build(
    folder: Path,
    key: str,
    live: Mapping[str, Mapping[str, Any]],
    reader: Reader,
    encode: Encode,
) -> tuple[Lexical, Any]:
    """The index of the live manifest (`live`: source -> {"sha", "passages", ...}) from the
    documents' kept rows; documents without rows are tokenised from the store's passages
    (`reader`) and their rows kept. Saved under `key`."""
    import numpy as np

    rows: dict[str, list[Row]] = {}
    missing: set[str] = set()
    for source, d in sorted(live.items()):
        got = kept_rows(folder, source, d)
        if got is None:
            missing.add(source)
        else:
            rows[source] = got
    if missing:
        fresh: dict[str, list[tuple[Row, Passage]]] = {s: [] for s in missing}
        for pid, p in reader.passages():
            if p.source in fresh:
                sha = str(live[p.source]["sha"])
                fresh[p.source].append((row(pid, p, version_ids(p, sha)[1]), p))
        for source, got in fresh.items():
            got.sort(key=lambda item: item[0].start)
            rows[source] = [r for r, _ in got]
            sha = str(live[source]["sha"])
            with contextlib.suppress(OSError):  # read-only: rebuilt next time, still right
                write_rows(folder, sha, rows[source])
                write_passages(folder, sha, [p for _, p in got])
    lexical = Lexical.from_rows(r for source in sorted(rows) for r in rows[source])
    meaning = _word_vectors(folder, lexical.meaning_words, encode)

    def parts() -> Iterator[tuple[Any, Any]]:
        return _sentence_parts(folder, live, rows, reader, encode)

    def passages() -> Iterator[list[Passage]]:
        return _passage_parts(folder, live, rows, reader)

    try:
        _save(folder, key, lexical, meaning, parts, passages)
    except OSError:
        pass  # a read-only folder: this process answers from memory
    else:
        saved = _load(folder, key)
        if saved is not None:
            return saved  # memory-mapped, as every other process has it
    got = list(parts())
    lexical.attach(
        np.concatenate([v for v, _ in got] or [np.zeros((0, DIMENSIONS), dtype=np.float16)]),
        np.concatenate([g for _, g in got] or [np.zeros(0, dtype=np.float32)]),
    )
    return lexical, meaning


def load(
    folder: Path,
    key: str,
    live: Callable[[], Mapping[str, Mapping[str, Any]]],
    reader: Reader,
    encode: Encode,
) -> tuple[Lexical, Any]:
    """The saved index for `key`, or (when there is none) the one `build` makes."""
    return _load(folder, key) or build(folder, key, live(), reader, encode)


def update(
    folder: Path,
    key: str,
    live: Mapping[str, Mapping[str, Any]],
    written: Iterable[DocumentRecords],
    reader: Reader,
    encode: Encode,
) -> None:
    """After an ingest's commit: keep the rows and passages of the `written` versions
    (those not kept as they were written), build and save the index of the live manifest,
    and drop the rows, passages and vectors of versions no longer live."""
    for r in written:  # the versions ingest did not `keep` as it wrote them
        write_rows(folder, r.document.sha, document_rows(r))
        write_passages(folder, r.document.sha, r.passages)
    if _load(folder, key) is None:
        build(folder, key, live, reader, encode)
    kept = (".json", ".npz", ".passages.json")
    keep = {f"{d['sha']}{ext}" for d in live.values() for ext in kept}
    docs = folder / "docs"
    if docs.is_dir():
        for f in docs.iterdir():
            if f.name not in keep:
                f.unlink(missing_ok=True)
