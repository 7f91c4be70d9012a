"""Incremental ingest against a real Chroma on disk (and a real Chroma server), real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.embedding import Embedder
from assistant.errors import CorpusError, IndexStoreError
from assistant.ingest.indexing import ingest
from assistant.settings import Settings
from assistant.store import Store, record_id
from assistant.store.connection import SEARCH_EF
from assistant.store.manifest import Manifest
from assistant.store.reader import Reader
from tests.helpers import nearest_passages


def run(settings: Settings, embedder: Embedder):
    return ingest(settings, store=Store(settings), embedder=embedder)


def _search_ef(store: Store) -> int:
    """The passages collection's HNSW search breadth, as a new client reads it back."""
    c = store.connection
    return int(c.client.get_collection(c.settings.collection).configuration["hnsw"]["ef_search"])


@pytest.mark.integration
def test_incremental_ingest_cycle(settings: Settings, corpus: Path, embedder: Embedder) -> None:
    first = run(settings, embedder)
    assert first.documents == 2
    assert first.embedded == first.passages > 10
    assert (first.unchanged, first.removed, first.skipped) == (0, 0, [])

    second = run(settings, embedder)
    assert second.embedded == 0
    assert second.unchanged == 2
    assert second.passages == first.passages

    # Change one article: only it is embedded again, and its old text is gone.
    night = corpus / "why-leg-cramps-strike-at-night.txt"
    night.write_text(night.read_text() + "\nA glass of tonic water before bed is a folk remedy.\n")
    third = run(settings, embedder)
    assert third.unchanged == 1
    assert 0 < third.embedded < first.passages
    assert third.passages == first.passages + 1
    texts = [p.text for _, p in Store(settings).reader.passages()]
    assert any("tonic water" in t for t in texts)
    assert len(texts) == len(set(texts)) == third.passages

    # Delete one article: its passages leave the index and can no longer be retrieved.
    (corpus / "massage-for-leg-cramps.txt").unlink()
    fourth = run(settings, embedder)
    assert (fourth.removed, fourth.documents, fourth.embedded) == (1, 1, 0)
    store = Store(settings)
    assert set(store.manifest.documents()) == {next(iter(store.manifest.documents()))}
    assert all("massage-for" not in p.source for _, p in store.reader.passages())
    hits = nearest_passages(
        store, embedder.encode_query("deep tissue massage and trigger points"), 5
    )
    assert hits and all("night" in p.source for _, p, _ in hits)


@pytest.mark.integration
def test_index_records_offsets_and_content_hash_ids(
    settings: Settings, corpus: Path, embedder: Embedder
) -> None:
    run(settings, embedder)
    store = Store(settings)
    shas = {s: d.sha for s, d in store.manifest.documents().items()}
    for pid, p in store.reader.passages():
        text = (Path(p.source)).read_text(encoding="utf-8")
        assert text[p.start : p.end] == p.text
        assert pid == record_id(p.id, shas[p.source])
    docs = store.manifest.documents()
    assert all(d.sha and d.ingested_at and d.passages > 0 for d in docs.values())


@pytest.mark.integration
def test_retrieval_finds_the_right_passage(settings: Settings, embedder: Embedder) -> None:
    run(settings, embedder)
    hits = nearest_passages(
        Store(settings), embedder.encode_query("deep tissue massage for muscle spasms"), 3
    )
    assert any("Deep tissue massage" in p.text for _, p, _ in hits)
    assert hits[0][2] >= hits[-1][2]


@pytest.mark.integration
def test_bad_file_is_skipped_and_the_rest_indexed(
    settings: Settings, corpus: Path, embedder: Embedder
) -> None:
    (corpus / "photo.txt").write_bytes(b"\x89PNG\x00\x00binary")
    report = run(settings, embedder)
    assert report.documents == 2
    assert [Path(s.path).name for s in report.skipped] == ["photo.txt"]


@pytest.mark.integration
def test_empty_or_missing_corpus_leaves_the_index_alone(
    settings: Settings, corpus: Path, tmp_path: Path, embedder: Embedder
) -> None:
    before = run(settings, embedder)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="no document"):
        run(settings.with_(corpus_dir=empty), embedder)
    with pytest.raises(CorpusError, match="does not exist"):
        run(settings.with_(corpus_dir=tmp_path / "missing"), embedder)
    assert Store(settings).manifest.count() == before.passages


@pytest.mark.unit
def test_index_folder_that_cannot_be_written(settings: Settings, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(IndexStoreError, match="Cannot create the index folder"):
        Store(settings.with_(db_dir=blocker / "db")).manifest.count()


@pytest.mark.integration
def test_server_mode_ingests_into_a_real_chroma_server(
    settings: Settings, chroma_server: str, embedder: Embedder
) -> None:
    remote = settings.with_(chroma_url=chroma_server, collection="server_test")
    first = run(remote, embedder)
    assert first.documents == 2 and first.embedded == first.passages
    again = run(remote, embedder)
    assert again.embedded == 0 and again.unchanged == 2
    assert not Path(settings.db_dir).exists()  # nothing was written locally
    hits = nearest_passages(Store(remote), embedder.encode_query("leg cramps at night"), 1)
    assert hits
    assert _search_ef(Store(remote)) == SEARCH_EF  # the server keeps the search's breadth too
    (Path(settings.corpus_dir) / "massage-for-leg-cramps.txt").rename(
        Path(settings.corpus_dir) / "massage.txt"
    )
    moved = run(remote, embedder)  # a renamed file: its vectors are the old name's
    assert (moved.embedded, moved.removed, moved.passages) == (0, 1, first.passages)
    _records_are_the_live_ones(remote)


@pytest.mark.integration
def test_unreachable_server_is_a_clear_error(settings: Settings) -> None:
    from tests.helpers import free_port

    bad = settings.with_(chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(IndexStoreError, match="Chroma server"):
        Store(bad).manifest.count()
    with pytest.raises(IndexStoreError, match="must look like"):
        Store(settings.with_(chroma_url="not a url")).manifest.count()


def snapshot(settings: Settings, embedder: Embedder) -> list:
    """What the index answers, for comparing before and after an interrupted ingest."""
    from assistant.api import build_assistant

    a = build_assistant(settings, embedder=embedder)
    out = []
    for q in ["Why do leg cramps happen at night?", "How does massage help?", "What is RLS?"]:
        answer = a.ask(q)
        out.append((answer.answer, [(c.source, c.start, c.end) for c in answer.citations]))
    return out


@pytest.mark.integration
def test_records_written_but_not_committed_stay_invisible(
    settings: Settings, corpus: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(settings, embedder)
    before = snapshot(settings, embedder)
    count = Store(settings).connection.passages.count()
    night = corpus / "why-leg-cramps-strike-at-night.txt"
    night.write_text(night.read_text().replace("acupuncture", "a glass of tonic water"))

    def crash(*args: object) -> None:
        raise KeyboardInterrupt  # stands in for a kill right before the commit

    monkeypatch.setattr(Manifest, "commit", crash)
    with pytest.raises(KeyboardInterrupt):
        run(settings, embedder)
    monkeypatch.undo()
    store = Store(settings)
    assert store.connection.passages.count() > count  # the new version's records are there...
    assert snapshot(settings, embedder) == before  # ...but the index answers as before
    assert store.manifest.hidden()
    after = run(settings, embedder)  # the next ingest completes: the version was written
    assert after.embedded == 0 and after.unchanged == 1  # whole, so it is not embedded again
    assert store.manifest.hidden() == [] and store.connection.passages.count() == count
    assert any("tonic water" in p.text for _, p in store.reader.passages())


@pytest.mark.integration
def test_an_unversioned_index_is_rebuilt(settings: Settings, embedder: Embedder) -> None:
    store = Store(settings)
    store.connection.passages.upsert(
        ids=["old"],
        embeddings=[[0.1] * 384],
        documents=["x"],
        metadatas=[{"source": "corpus/x.txt", "start": 0, "end": 1}],
    )
    report = run(settings, embedder)
    assert report.documents == 2
    assert Store(settings).connection.passages.count() == report.passages


@pytest.mark.integration
def test_two_ingests_at_once_are_refused(settings: Settings, embedder: Embedder) -> None:
    from assistant.ingest.indexing import ingest_lock

    with ingest_lock(settings), pytest.raises(IndexStoreError, match="Another ingest"):
        run(settings, embedder)
    assert run(settings, embedder).documents == 2  # and the lock is released afterwards


@pytest.mark.integration
def test_a_stopped_ingest_resumes_without_embedding_again(
    settings: Settings, corpus: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.ingest import indexing
    from assistant.store.writer import Writer

    for i in range(4):
        (corpus / f"extra-{i}.md").write_text(
            f"# Note {i}\n\nSoaking in warm water number {i} relaxes tight calves.\n\n"
            f"Keeping a glass of water {i} by the bed helps some people.\n",
            encoding="utf-8",
        )
    monkeypatch.setattr(indexing, "GROUP_DOCUMENTS", 1)  # one document per write
    calls: list[int] = []
    add = Writer.add

    def stop_on_the_fourth(self: Writer, records: list) -> None:
        if len(calls) == 3:
            raise KeyboardInterrupt  # stands in for a kill halfway through
        calls.append(sum(len(r.passages) for r in records))
        add(self, records)

    monkeypatch.setattr(Writer, "add", stop_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        run(settings, embedder)
    monkeypatch.setattr(Writer, "add", add)
    store = Store(settings)
    assert store.manifest.documents() == {}  # nothing was made live
    assert len(store.manifest.written()) == 3

    def no_reads(self: object, ids: object) -> None:
        raise AssertionError("the resumed ingest read sentence vectors back from Chroma")

    # the written documents' sentence vectors were kept beside the index as they were written
    monkeypatch.setattr(Reader, "sentence_vectors", no_reads)
    report = run(settings, embedder)
    monkeypatch.undo()
    assert report.documents == 6
    assert report.embedded == report.passages - sum(calls)  # none written whole again
    assert store.manifest.written() == [] and store.manifest.hidden() == []
    assert store.manifest.count() == report.passages == len(list(store.reader.passages()))


@pytest.mark.integration
def test_an_older_index_keeps_its_manifest_and_the_next_ingest_moves_it(
    settings: Settings, corpus: Path, embedder: Embedder
) -> None:
    from assistant.store.manifest import MOVED

    run(settings, embedder)
    store = Store(settings)
    key, c = store.manifest.state()[2], store.connection
    meta = dict(c.client.get_collection(c.manifest_name).metadata or {})
    assert "manifest" in meta and not c.client.get_collection(c.settings.collection).metadata
    c.passages.modify(metadata=meta)  # as an index from before the move keeps it
    c.client.delete_collection(c.manifest_name)

    old = Store(settings)
    assert len(old.manifest.documents()) == 2 and old.manifest.count() > 10
    assert old.manifest.state()[2] == key
    report = run(settings, embedder)  # nothing changed: nothing embedded, the manifest moved
    assert (report.documents, report.unchanged, report.embedded) == (2, 2, 0)
    c = Store(settings).connection
    assert c.client.get_collection(c.settings.collection).metadata == {MOVED: c.manifest_name}
    assert "manifest" in (c.client.get_collection(c.manifest_name).metadata or {})
    assert Store(settings).manifest.state()[2] == key


@pytest.mark.integration
def test_an_index_made_with_chromas_default_search_breadth_is_widened_by_the_next_ingest(
    settings: Settings, embedder: Embedder
) -> None:
    run(settings, embedder)
    assert SEARCH_EF != 100 and _search_ef(Store(settings)) == SEARCH_EF
    Store(settings).connection.passages.modify(configuration={"hnsw": {"ef_search": 100}})
    assert _search_ef(Store(settings)) == 100  # as an index from before SEARCH_EF has it
    report = run(settings, embedder)  # nothing changed: nothing embedded, the breadth set
    assert (report.unchanged, report.embedded) == (2, 0)
    assert _search_ef(Store(settings)) == SEARCH_EF
    assert nearest_passages(Store(settings), embedder.encode_query("leg cramps at night"), 3)


@pytest.mark.unit
def test_a_chroma_that_refuses_the_wider_search_does_not_stop_ingest(settings: Settings) -> None:
    from assistant.store.connection import Connection

    class Refusing:  # a collection whose configuration can't be changed
        configuration = {"hnsw": {"ef_search": 100}}

        def modify(self, **_: object) -> None:
            raise RuntimeError("not supported")

    c = Connection(settings)
    c._passages = Refusing()
    c.widen_search()  # no error: the index is searched as before


def _whole(settings: Settings, embedder: Embedder, question: str) -> tuple[set[str], int]:
    """The sources of the passages a real search for the question finds, and how many times
    it had to be made again (the index held records its lexical index does not know: left
    behind, or unknown)."""
    from assistant.api import build_assistant
    from assistant.search.query import understand

    retriever = build_assistant(settings, embedder=embedder).retriever
    before = retriever.store.connection.reconnects
    evidence = retriever.search(understand(question, [], retriever.lexical().vocabulary))
    again = retriever.store.connection.reconnects - before
    return {h.passage.source.rsplit("/", 1)[-1] for h in evidence.passages}, again


MASSAGE = "How does massage help with leg cramps?"


def _copy_of_the_massage_article(corpus: Path) -> Path:
    """A second file with the massage article's text: the same content hash, another name."""
    copy = corpus / "copy.txt"
    copy.write_bytes((corpus / "massage-for-leg-cramps.txt").read_bytes())
    return copy


def _records_are_the_live_ones(settings: Settings) -> None:
    """Chroma holds exactly the live documents' passage records: nothing left behind."""
    store = Store(settings)
    live = {source: d.sha for source, d in store.manifest.documents().items()}
    page = store.connection.passages.get(include=["metadatas"])
    held = {(m["source"], m["doc_sha"]) for m in page["metadatas"]}
    assert held == set(live.items())
    assert len(page["ids"]) == store.manifest.count() and store.manifest.hidden() == []


def _found_once(settings: Settings, embedder: Embedder) -> set[str]:
    """After an ingest: Chroma holds exactly the live records, and a real search for
    `MASSAGE` is made once (the lexical index knows every record it meets). The sources of
    the passages it finds."""
    _records_are_the_live_ones(settings)
    sources, again = _whole(settings, embedder, MASSAGE)
    assert again == 0
    return sources


@pytest.mark.integration
def test_a_renamed_file_is_not_embedded_again_and_leaves_nothing_behind(
    settings: Settings, corpus: Path, embedder: Embedder
) -> None:
    first = run(settings, embedder)
    massage = corpus / "massage-for-leg-cramps.txt"
    massage.rename(corpus / "massage.txt")
    moved = run(settings, embedder)
    assert (moved.documents, moved.passages, moved.removed) == (2, first.passages, 1)
    assert moved.embedded == 0  # its vectors were the old name's
    sources = _found_once(settings, embedder)
    assert "massage.txt" in sources and "massage-for-leg-cramps.txt" not in sources


@pytest.mark.integration
def test_two_copies_of_a_file_both_answer_and_deleting_one_keeps_the_other(
    settings: Settings, corpus: Path, embedder: Embedder
) -> None:
    first = run(settings, embedder)
    copy = _copy_of_the_massage_article(corpus)
    both = run(settings, embedder)
    assert both.documents == 3 and both.embedded == 0  # the copy reuses the original's vectors
    assert {"copy.txt", "massage-for-leg-cramps.txt"} <= _found_once(settings, embedder)
    copy.unlink()
    one = run(settings, embedder)
    assert (one.documents, one.passages, one.removed) == (2, first.passages, 1)
    sources = _found_once(settings, embedder)
    assert "massage-for-leg-cramps.txt" in sources and "copy.txt" not in sources


@pytest.mark.integration
@pytest.mark.parametrize("wrote", [False, True], ids=["before writing", "after writing"])
def test_a_stopped_ingest_of_a_copy_does_not_cost_the_original_its_records(
    settings: Settings,
    corpus: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    wrote: bool,
) -> None:
    """Killed after the copy's version was hidden (its hash is the original's), before or
    after the copy's records were written: the next ingest deletes the copy's records only."""
    from assistant.store.writer import Writer

    run(settings, embedder)
    copy = _copy_of_the_massage_article(corpus)
    add = Writer.add

    def killed(self: Writer, records: list) -> None:
        if wrote:
            add(self, records)
        raise KeyboardInterrupt

    monkeypatch.setattr(Writer, "add", killed)
    with pytest.raises(KeyboardInterrupt):
        run(settings, embedder)
    monkeypatch.undo()
    copy.unlink()  # the next ingest cleans up a version that is live under the original
    report = run(settings, embedder)
    assert report.documents == 2 and report.embedded == 0
    assert "massage-for-leg-cramps.txt" in _found_once(settings, embedder)
