"""The lexical index kept beside the index: saved at ingest, loaded (not rebuilt) at start,
rebuilt when missing, updated with only the documents that changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.embedding import Embedder
from assistant.ingest.indexing import ingest
from assistant.settings import Settings
from assistant.store import Store, lexical_files
from assistant.store.lexical import Lexical
from assistant.store.manifest import key
from assistant.store.reader import Reader
from assistant.types import Passage


def _passages() -> list[tuple[str, Passage]]:
    texts = [
        ("Causes", "What causes them? These include:"),
        ("Causes", "- Dehydration: a lack of fluids can lead to spasms."),
        ("Causes", "- Overexertion: pushing too hard in hot weather."),
        ("Relief", "Stretch the calf before bed."),
        ("Relief", "For example, flex your foot towards you for thirty seconds."),
        ("Relief", "Massage helps muscles relax at night."),
    ]
    out, start = [], 0
    for i, (heading, text) in enumerate(texts):
        out.append((f"p{i}", Passage("a.md", "Night cramps", heading, text, start, start + 9)))
        start += 10
    return out


@pytest.mark.unit
def test_a_saved_lexical_index_loads_back_the_same(tmp_path: Path) -> None:
    built = Lexical(_passages())
    built.save(tmp_path / "lex")
    loaded = Lexical.load(tmp_path / "lex")
    for stems in (["dehydr"], ["massag", "night"], ["calf", "stretch"], ["zebra"]):
        assert loaded.search(stems, 3) == built.search(stems, 3)
    assert built.list_items("p0") == loaded.list_items("p0") == ["p1", "p2"]
    assert built.continuation("p3") == loaded.continuation("p3") == "p4"
    assert loaded.continuation("p4") is None
    assert loaded.sections() == {"Night cramps": ["Causes", "Relief"]}
    assert loaded.vocabulary == built.vocabulary and loaded.df == built.df
    assert loaded.has("p5") and not loaded.has("p6")


@pytest.mark.unit
def test_every_passage_has_its_bm25_score_not_only_the_best(tmp_path: Path) -> None:
    built = Lexical(_passages())
    built.save(tmp_path / "lex")
    for lexical in (built, Lexical.load(tmp_path / "lex")):
        stems = ["night", "massag", "stretch", "calf"]
        every = lexical.scores(stems, [f"p{i}" for i in range(6)] + ["gone"])
        assert set(every) == {f"p{i}" for i in range(6)}  # an unknown id is left out
        ranked = dict(lexical.search(stems, 6))
        assert len(ranked) > 1 and {p for p, v in every.items() if v > 0} == set(ranked)
        assert all(every[p] == pytest.approx(v) for p, v in ranked.items())
        best = lexical.search(stems, 1)  # the second best is scored though not in this list
        second = max((p for p in ranked if p != best[0][0]), key=ranked.get)
        assert every[second] == pytest.approx(ranked[second]) and every[second] > 0
        assert every["p1"] == 0.0 and lexical.scores(["zebra"], ["p1"]) == {"p1": 0.0}


@pytest.mark.unit
def test_a_saved_lexical_index_reads_back_its_passages(tmp_path: Path) -> None:
    items = _passages()
    items[5] = (
        "p5",
        Passage(
            "b.pdf",
            "Nuit – crampes",
            "",
            "Étirez « doucement ».",
            0,
            21,
            "b.pdf.txt",
            3,
            "https://example.org/b",
        ),
    )
    built = Lexical(items)
    assert not built.has_passages and built.passages(["p0"]) == {}  # built in memory
    built.save(tmp_path / "lex")
    lexical_files._save_passages(tmp_path / "lex", len(items), [[p for _, p in items]])
    loaded = Lexical.load(tmp_path / "lex")
    assert loaded.passages(["p5", "p1", "gone"]) == {"p5": items[5][1], "p1": items[1][1]}
    (tmp_path / "short").mkdir()
    with pytest.raises(OSError, match="1 passages for an index of 6"):  # never half-right
        lexical_files._save_passages(tmp_path / "short", len(items), [[items[0][1]]])


def _two_documents() -> list[tuple[str, Passage]]:
    """Ten passages of an article on night cramps, and ten of one on gardening."""
    out = []
    for i in range(10):
        text = f"Leg cramps at night, reason {i}: calves tighten."
        out.append((f"c{i}", Passage("cramps.md", "Cramps", "", text, i * 60, i * 60 + 50)))
    for i in range(10):
        text = f"Garden beds need water in week {i}, and the leg of a chair."
        out.append((f"g{i}", Passage("garden.md", "Garden", "", text, i * 60, i * 60 + 50)))
    return out


@pytest.mark.unit
def test_a_document_found_for_one_word_alone_does_not_cover_it() -> None:
    """ "Water" is used only by the gardening article: it covers the word for a question
    about gardening, not for one about night cramps in the calves."""
    from assistant.text import content_stems

    lexical = Lexical(_two_documents())
    both = lexical.documents_of(["c0", "g0"])
    cramps = content_stems("water for night cramps in the calves")
    garden = content_stems("water for garden beds")
    assert lexical.covers("water", both)  # without the question: any found document
    assert not lexical.covers("water", both, cramps)
    assert lexical.covers("water", both, garden)
    assert lexical.covers("calves", both, cramps)


@pytest.mark.unit
def test_whether_a_found_document_covers_a_word_ignores_documents_not_found() -> None:
    """The question's other words are counted among the documents found: a third, unrelated
    document that uses "around" and "bad" does not make the cramps article's "calves" stop
    covering the question's "calves"."""
    from assistant.text import content_stems

    unrelated = [
        (f"u{i}", Passage("weather.md", "Weather", "", f"Bad weather all around, day {i}.", 0, 9))
        for i in range(10)
    ]
    asked = content_stems("does rubbing calves help around a bad night")
    alone = Lexical(_two_documents())
    among = Lexical([*_two_documents(), *unrelated])
    assert alone.covers("calves", alone.documents_of(["c0"]), asked)
    assert among.covers("calves", among.documents_of(["c0"]), asked)


@pytest.mark.unit
def test_bm25_among_documents_weighs_words_by_their_rarity_there() -> None:
    """Among many unrelated passages that say "long" and "last", the cramps article's one
    passage on how long a cramp lasts ranks below them; weighed among the article's own
    passages, where nearly every one says "leg cramps", it comes first."""
    cramps = [
        *_two_documents()[:9],
        ("c9", Passage("cramps.md", "Cramps", "", "Each one can last a long minute.", 540, 580)),
    ]
    road = "Last, a long long road, the last mile {}."
    roads = [
        (f"r{i}", Passage(f"road{i}.md", "Roads", "", road.format(i), 0, 30)) for i in range(30)
    ]
    lexical = Lexical([*cramps, *roads])
    stems = ["long", "leg", "cramp", "last"]
    article = lexical.documents_of(["c0"])
    assert lexical.passages_of(article) == [f"c{i}" for i in range(10)]
    overall = [p for p, _ in lexical.search(stems, 40)]
    assert overall.index("c9") > overall.index("r0")  # below every road passage
    among = lexical.search_among(stems, article, 5)
    assert among[0][0] == "c9" and {p for p, _ in among} <= set(lexical.passages_of(article))
    # among every document, the weights are the collection's own
    everything = lexical.documents_of(lexical.ids)
    assert lexical.scores(stems, lexical.ids, everything) == pytest.approx(
        lexical.scores(stems, lexical.ids)
    )
    mixed = Lexical([cramps[0], roads[0], cramps[1]])  # a document's passages not in one run
    assert mixed.passages_of(mixed.documents_of(["c0"])) == ["c0", "c1"]


@pytest.mark.unit
def test_word_rarity_and_topic_are_judged_among_the_documents_found() -> None:
    lexical = Lexical(_two_documents())
    cramps = lexical.documents_of(["c0"])
    both = lexical.documents_of(["c0", "g0"])
    local = lexical.local(cramps, ["cramp", "leg", "water"])
    assert local.n == 10 and local.df == {"cramp": 10, "leg": 10, "water": 0}
    # "cramp" is the cramp article's topic, though only half the collection uses it
    assert local.topic == {"cramp", "leg"} and "cramp" not in lexical.topic
    assert local.idf("cramp") < local.idf("water") == local.idf("zebra")
    assert lexical.local(both, ["cramp", "leg"]).topic == {"leg"}
    assert lexical.local(both, ["cramp"]).idf("cramp") == pytest.approx(lexical.idf("cramp"))
    assert lexical.without_topic("why do leg cramps hurt", local.topic) == "why do hurt"
    assert lexical.without_topic("why do leg cramps hurt") is None


@pytest.mark.unit
def test_the_words_near_a_text_come_from_the_documents_it_finds_best_first() -> None:
    lexical = Lexical(_two_documents())
    near = lexical.words_near("calves tighten in the garden", k=20)
    assert near["calves"] == near["tighten"] != near["garden"]
    assert "chair" in near and "zebra" not in near
    assert lexical.words_near("zebra") == {}


@pytest.mark.unit
def test_a_damaged_lexical_index_is_not_loaded(tmp_path: Path) -> None:
    Lexical(_passages()).save(tmp_path / "lex")
    (tmp_path / "lex" / "flags.npy").write_bytes(b"not an array")
    with pytest.raises((OSError, ValueError)):
        Lexical.load(tmp_path / "lex")


@pytest.mark.unit
def test_the_manifest_key_names_the_live_versions_only() -> None:
    a = {"x.md": {"sha": "1", "ingested_at": "monday"}, "y.md": {"sha": "2"}}
    b = {"y.md": {"sha": "2"}, "x.md": {"sha": "1", "ingested_at": "tuesday"}}
    assert key(a) == key(b)
    assert key(a) != key({"x.md": {"sha": "1"}, "y.md": {"sha": "3"}})


@pytest.mark.integration
def test_start_up_loads_the_index_ingest_saved(
    settings: Settings, corpus: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.api import build_assistant

    ingest(settings, store=Store(settings), embedder=embedder)
    live = Store(settings).manifest.live()
    assert (lexical_files.built_path(settings.lexical_dir, key(live)) / "lexical.json").is_file()
    first = build_assistant(settings, embedder=embedder)
    first.retriever.lexical()._passages = None  # the candidates' texts read from Chroma
    expected = first.ask("How does massage help?")

    def no_reads(self: Reader, *args: object, **kwargs: object):  # noqa: ANN202
        raise AssertionError("start-up read passages or sentences back from Chroma")

    monkeypatch.setattr(Reader, "passages", no_reads)
    # ... and its candidates' texts with the passages it keeps
    monkeypatch.setattr(Reader, "passages_by_id", no_reads)
    # a search scores sentences with the vectors the lexical index keeps
    monkeypatch.setattr(Reader, "sentences_of", no_reads)
    monkeypatch.setattr(Reader, "sentence_vectors", no_reads)
    answer = build_assistant(settings, embedder=embedder).ask("How does massage help?")
    assert answer.citations == expected.citations and answer.answer == expected.answer


@pytest.mark.integration
def test_a_missing_lexical_index_is_rebuilt_and_kept(
    settings: Settings, corpus: Path, embedder: Embedder
) -> None:
    import shutil

    from assistant.api import build_assistant

    ingest(settings, store=Store(settings), embedder=embedder)
    assert Store(settings).connection.sentences.count() == 0  # kept only beside the index
    expected = build_assistant(settings, embedder=embedder).ask("Why do cramps strike at night?")
    shutil.rmtree(settings.lexical_dir)  # the sentences are embedded again from the passages
    answer = build_assistant(settings, embedder=embedder).ask("Why do cramps strike at night?")
    assert answer.citations == expected.citations
    live = Store(settings).manifest.live()
    assert lexical_files.built_path(settings.lexical_dir, key(live)).is_dir()
    # each document's rows and passages, and its sentences' vectors read back from the
    # index once
    kept = sorted(f.name.split(".", 1)[1] for f in (settings.lexical_dir / "docs").iterdir())
    assert kept == ["json"] * len(live) + ["npz"] * len(live) + ["passages.json"] * len(live)


@pytest.mark.integration
def test_an_ingest_tokenises_only_the_documents_that_changed(
    settings: Settings, corpus: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(settings, store=Store(settings), embedder=embedder)
    docs = settings.lexical_dir / "docs"
    before = {f.name: f.stat().st_mtime_ns for f in docs.iterdir()}
    night = corpus / "why-leg-cramps-strike-at-night.txt"
    night.write_text(night.read_text().replace("acupuncture", "a glass of tonic water"))

    def no_reads(self: Reader):  # noqa: ANN202
        raise AssertionError("ingest read every passage back from Chroma")

    monkeypatch.setattr(Reader, "passages", no_reads)
    monkeypatch.setattr(Reader, "sentence_vectors", no_reads)
    report = ingest(settings, store=Store(settings), embedder=embedder)
    assert report.unchanged == 1
    after = {f.name: f.stat().st_mtime_ns for f in docs.iterdir()}
    kept = set(before) & set(after)  # the unchanged document's rows, passages and vectors
    assert len(kept) == 3 and all(before[f] == after[f] for f in kept)
    assert len(after) == 6  # the replaced version's are gone
    monkeypatch.undo()
    from assistant.search.retriever import Retriever

    lexical = Retriever(Store(settings), embedder).lexical()
    assert "tonic" in lexical.vocabulary and "acupuncture" not in lexical.vocabulary


@pytest.mark.integration
def test_server_mode_keeps_its_lexical_index_outside_the_index_folder(
    settings: Settings, chroma_server: str, embedder: Embedder
) -> None:
    remote = settings.with_(chroma_url=chroma_server, collection="lexical_test")
    ingest(remote, store=Store(remote), embedder=embedder)
    folder = remote.lexical_dir
    assert folder.is_dir() and not Path(remote.db_dir).exists()
    assert remote.lexical_dir != settings.with_(chroma_url=chroma_server).lexical_dir


@pytest.mark.integration
def test_another_machine_makes_its_lexical_index_from_the_servers_sentence_records(
    settings: Settings,
    chroma_server: str,
    embedder: Embedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.api import build_assistant

    here = settings.with_(chroma_url=chroma_server, collection="two_machines")
    ingest(here, store=Store(here), embedder=embedder)
    assert Store(here).connection.sentences.count() > 0  # a server keeps sentence records
    question = "How does massage help with cramps?"
    expected = build_assistant(here, embedder=embedder).ask(question)
    there = here.with_(db_dir=tmp_path / "elsewhere")  # its own lexical index folder
    assert there.lexical_dir != here.lexical_dir and not there.lexical_dir.exists()

    def no_embedding(*args: object) -> None:
        raise AssertionError("the sentences were embedded again")

    monkeypatch.setattr(lexical_files, "_embedded_again", no_embedding)
    elsewhere = build_assistant(there, embedder=embedder)
    answer = elsewhere.ask(question)
    assert [c.quote for c in answer.citations] == [c.quote for c in expected.citations]
    assert [f.suffix for f in (there.lexical_dir / "docs").iterdir()].count(".npz") == 2
    # A passage the lexical index holds no vectors for is scored from the server's records.
    elsewhere.retriever.lexical()._vectors = None
    again = elsewhere.ask(question)
    assert [c.quote for c in again.citations] == [c.quote for c in expected.citations]


@pytest.mark.unit
def test_a_passages_sentence_vectors_come_back_from_the_saved_index(tmp_path: Path) -> None:
    import numpy as np

    from assistant.store.lexical import row

    counts = [i % 3 for i in range(len(_passages()))]
    rows = [
        row(pid, p, tuple(f"{pid}-s{j}".ljust(32, "x") for j in range(n)))
        for n, (pid, p) in zip(counts, _passages(), strict=True)
    ]
    lexical = Lexical.from_rows(rows)
    assert lexical.sentence_vectors(["p2"]) == {}  # none given yet
    total = sum(counts)
    vectors = np.random.default_rng(0).normal(size=(total, 384)).astype(np.float16)
    with pytest.raises(ValueError):
        lexical.attach(vectors[:-1], np.zeros(total - 1))  # not one per sentence
    lexical.attach(vectors, np.arange(total, dtype=np.float32))
    lexical.save(tmp_path / "lex")
    for index in (lexical, Lexical.load(tmp_path / "lex")):
        found = index.sentence_vectors(["p2", "p0", "p9"])
        got, generality = found["p2"]  # p2's sentences follow p1's one
        assert np.array_equal(got, vectors[1:3].astype(np.float32)) and list(generality) == [1, 2]
        assert len(found["p0"][0]) == 0 and "p9" not in found
    assert lexical.sentence_ids(["p2", "p0"]) == ["p2-s0".ljust(32, "x"), "p2-s1".ljust(32, "x")]


@pytest.mark.unit
def test_prefetch_reads_a_saved_index_through_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from assistant.store import lexical as module

    monkeypatch.setattr(module, "PREFETCH_CHUNK", 100)  # many chunks, the last one short
    built = Lexical.from_rows(
        [module.row(pid, p, (f"{pid}-s0".ljust(32, "x"),)) for pid, p in _passages()]
    )
    n = built.sentence_count
    assert built.prefetch() == 0 and n == len(_passages())  # nothing on disk to read
    built.attach(np.ones((n, 384), dtype=np.float16), np.zeros(n, dtype=np.float32))
    built.save(tmp_path / "lex")
    lexical_files._save_passages(tmp_path / "lex", n, [[p for _, p in _passages()]])
    loaded = Lexical.load(tmp_path / "lex")
    read = [*(f"{a}.npy" for a in module.ARRAYS), "sentence_vectors.npy", "passages.bin"]
    sizes = {f: (tmp_path / "lex" / f).stat().st_size for f in read}
    assert sizes["passages.bin"] > 500 and sizes["sentence_vectors.npy"] > 3000
    assert loaded.prefetch() == sum(sizes.values())
