"""Hybrid retrieval with the real model and a real Chroma index."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.chunking import sentences
from assistant.embedding import Embedder, sentence_text
from assistant.ingest.indexing import ingest
from assistant.search import meaning, scoring
from assistant.search import retriever as retrieval
from assistant.search.query import understand
from assistant.search.retriever import Retriever
from assistant.settings import Settings
from assistant.store import Store


def passages(retriever: Retriever) -> dict:
    """Every live passage by record id, read from the store."""
    return dict(retriever.store.reader.passages())


def search(retriever: Retriever, question: str):
    lexical = retriever.lexical()
    return retriever.search(understand(question, [], lexical.vocabulary))


@pytest.fixture(scope="module")
def retriever(indexed: Settings, embedder: Embedder) -> Retriever:
    return Retriever(Store(indexed), embedder)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("leg crampz at nite why", "concrete floors"),  # typos
        ("what gives you a charley horse in the night?", "inactive hours"),  # lay term
        ("Does stretching help with leg cramps?", "stretching"),  # strong in BM25 only
        ("What kinds of massage are recommended for leg cramps?", "Trigger point therapy"),
        ("What should I do during a severe, paralysing cramp?", "circular movements"),
    ],
)
def test_candidates_include_the_answer(retriever: Retriever, question: str, phrase: str) -> None:
    evidence = search(retriever, question)
    assert any(phrase in s.sentence.text for s in evidence.sentences[:12])


@pytest.mark.integration
def test_list_items_follow_their_lead_in(retriever: Retriever) -> None:
    lexical = retriever.lexical()
    texts = passages(retriever)
    lead = next(pid for pid, p in texts.items() if p.text.endswith("These include:"))
    items = [texts[i].text for i in lexical.list_items(lead)]
    assert [t.split(":")[0] for t in items] == [
        "• Dehydration",
        "• Overexertion",
        "• Medical conditions",
    ]


@pytest.mark.integration
def test_unknown_words_close_in_meaning_to_a_corpus_word_are_told_apart(
    retriever: Retriever,
) -> None:
    lexical = retriever.lexical()
    near = {"drinking": "alcohol", "nighttime": "night", "electrolyte": "electrolytes"}
    far = ("quinine", "children", "magnesium")
    vectors = retriever.embedder.encode([*near, *far])
    closeness, nearest = meaning.closest_words(
        vectors, retriever._word_vectors, lexical.meaning_words
    )
    for i, (word, corpus_word) in enumerate(near.items()):
        assert closeness[i] >= meaning.EXPAND_SIMILARITY and nearest[i] == corpus_word, word
    for i, word in enumerate(far, start=len(near)):
        assert closeness[i] < meaning.EXPAND_SIMILARITY, word


@pytest.mark.integration
def test_an_example_paragraph_follows_the_one_it_illustrates(retriever: Retriever) -> None:
    lexical = retriever.lexical()
    texts = passages(retriever)
    lead = next(pid for pid, p in texts.items() if p.text.startswith("The best and"))
    example = lexical.continuation(lead)
    assert example is not None
    assert texts[example].text.startswith("For example,")
    assert lexical.continuation(example) is None  # "However, ..." contrasts; it does not add
    hits = [
        h.id for h in search(retriever, "What is the first step to treat night cramps?").passages
    ]
    assert hits.index(example) == hits.index(lead) + 1


@pytest.mark.integration
def test_a_sentence_knows_how_close_the_one_before_it_is(retriever: Retriever) -> None:
    evidence = search(retriever, "What causes nocturnal leg cramps?")
    by_text = {s.sentence.text[:30]: s for s in evidence.sentences}
    prev = scoring.FEATURES.index("prev")
    setup = by_text["When it comes to the question "]
    answer = by_text["However, it is most likely tha"]
    assert answer.features[prev] == pytest.approx(setup.similarity)
    evidence = search(retriever, "What is the first step to treat night cramps?")
    example = next(s for s in evidence.sentences if s.sentence.text.startswith("For example,"))
    before = next(s for s in evidence.sentences if s.sentence.text.startswith("Since you"))
    assert example.features[prev] == pytest.approx(before.similarity)  # the paragraph it continues


@pytest.mark.integration
def test_the_topic_phrase_is_left_out_of_the_focus(retriever: Retriever) -> None:
    lexical = retriever.lexical()
    assert {"leg", "cramp"} <= lexical.topic and "massag" not in lexical.topic
    assert lexical.without_topic("How do I treat leg cramps at home before sleeping?") == (
        "How do I treat at home before sleeping?"
    )
    # A topic word on its own says what is asked ("which part of the leg"): it stays.
    assert lexical.without_topic("Which part of the leg hurts most at night?") is None
    assert lexical.without_topic("leg cramps?") is None  # nothing would be left


@pytest.mark.unit
def test_a_small_corpus_has_no_topic_words() -> None:
    from assistant.store.lexical import Lexical
    from assistant.types import Passage

    def text(i: int) -> str:
        return f"leg cramps {'at night' if i % 2 else 'by day'}"

    items = [(f"p{i}", Passage("a.txt", "T", "", text(i), 0, 10)) for i in range(9)]
    assert Lexical(items).topic == frozenset()
    items.append(("p9", Passage("a.txt", "T", "", text(9), 0, 10)))
    assert Lexical(items).topic == {"leg", "cramp"}  # in every passage; "night" in half


@pytest.mark.integration
def test_the_focus_feature_is_the_similarity_to_the_question_without_its_topic(
    retriever: Retriever, embedder: Embedder
) -> None:
    import numpy as np

    focus = scoring.FEATURES.index("focus")
    question = "How do I treat leg cramps at home before sleeping?"
    rest = np.asarray(embedder.encode_query("How do I treat at home before sleeping?"))
    evidence = search(retriever, question)
    # every candidate sentence, split and embedded here as ingest does
    candidates = [s for h in evidence.passages for s in sentences(h.passage)]
    vectors = embedder.encode_array([sentence_text(s) for s in candidates])
    vector_of = {s.start: v for s, v in zip(candidates, vectors, strict=True)}
    for s in evidence.sentences[:5]:
        expected = float(rest @ vector_of[s.sentence.start])
        assert s.features[focus] == pytest.approx(expected, abs=2e-3)  # kept as float16
        assert s.features[focus] != pytest.approx(s.similarity, abs=1e-3)
    # "centered": the cosine after taking away the mean of every candidate sentence's vector.
    centered = scoring.FEATURES.index("centered")
    mean = np.mean([np.asarray(v) for v in vector_of.values()], axis=0)
    q = np.asarray(embedder.encode_query(question)) - mean
    for s in evidence.sentences[:5]:
        v = vector_of[s.sentence.start] - mean
        expected = float(q @ v / (np.linalg.norm(q) * np.linalg.norm(v)))
        assert s.features[centered] == pytest.approx(expected, abs=2e-3)  # kept as float16
    # Without a topic phrase the focus is the plain similarity.
    for s in search(retriever, "Which part of the leg hurts most at night?").sentences[:5]:
        assert s.features[focus] == pytest.approx(s.similarity, abs=1e-6)


@pytest.mark.integration
def test_near_stems_and_missing_words(retriever: Retriever) -> None:
    lexical = retriever.lexical()
    assert lexical.covers("paralysing") and lexical.covers("pregnant")
    assert not lexical.covers("magnesium")
    evidence = search(retriever, "Does magnesium help leg cramps?")
    assert evidence.missing == ("magnesium",)
    assert len(evidence.closeness) == len(evidence.weight) == 1


@pytest.mark.integration
def test_a_missing_word_is_weighed_by_meaning(retriever: Retriever) -> None:
    # "drinking" is not in the articles but "alcohol" is, and close in meaning: it is also
    # searched for; "children" has no word near it and carries much of its question.
    drinks = search(retriever, "Does drinking make leg cramps happen at night?")
    assert drinks.missing == ("drinking",) and drinks.closeness[0] >= meaning.EXPAND_SIMILARITY
    assert drinks.query.endswith("(alcohol)")
    assert any("alcohol" in s.sentence.text for s in drinks.sentences[:3])
    kids = search(retriever, "Do children get leg cramps at night?")
    assert kids.missing == ("children",) and kids.closeness[0] < meaning.EXPAND_SIMILARITY
    assert kids.query == "Do children get leg cramps at night?"  # nothing close to add
    # How much of the question a word carries: its cosine with and without the word.
    filler = search(retriever, "Why exactly do leg cramps happen at night?")
    assert "exactly" in filler.missing
    assert kids.weight[0] > filler.weight[filler.missing.index("exactly")]


@pytest.mark.integration
def test_sentence_scores_are_probabilities_best_first(retriever: Retriever) -> None:
    evidence = search(retriever, "How does massage help leg cramps?")
    scores = [s.score for s in evidence.sentences]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 < s < 1.0 for s in scores)
    assert all(len(s.features) == len(scoring.FEATURES) for s in evidence.sentences)
    # Rescoring with other weights changes the scores, not the sentences or their features.
    flat = retrieval.rescore(evidence, retriever.weights.with_(sentence={"sim": 1.0}))
    assert {s.sentence for s in flat.sentences} == {s.sentence for s in evidence.sentences}
    assert [s.similarity for s in flat.sentences] == sorted(
        (s.similarity for s in evidence.sentences), reverse=True
    )


@pytest.mark.integration
def test_a_reingest_is_picked_up_without_a_restart(
    settings: Settings, corpus: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(settings, store=Store(settings), embedder=embedder)
    monkeypatch.setattr(retrieval, "RECHECK_SECONDS", 0.0)
    retriever = Retriever(Store(settings), embedder)
    assert "quinoa" not in retriever.lexical().vocabulary
    night = corpus / "why-leg-cramps-strike-at-night.txt"
    night.write_text(night.read_text().replace("acupuncture", "quinoa"))  # same passage count
    ingest(settings, store=Store(settings), embedder=embedder)
    assert "quinoa" in retriever.lexical().vocabulary
    evidence = search(retriever, "Does quinoa help leg cramps?")
    assert any("quinoa" in h.passage.text for h in evidence.passages)


@pytest.mark.unit
def test_bm25_search_matches_bm25s_scores() -> None:
    """Our postings-only scoring gives bm25s's own scores (to float32 rounding)."""
    import bm25s
    import numpy as np

    from assistant.store.lexical import Lexical
    from assistant.text import content_stems
    from assistant.types import Passage

    texts = [
        "Massage helps leg cramps at night.",
        "Stretching the calf before bed helps.",
        "Leg cramps and restless legs differ.",
        "Dehydration can lead to muscle spasms in the leg.",
        "Nothing here about the topic at all.",
    ] * 40
    lexical = Lexical([(f"p{i}", Passage("s", "t", "", t, 0, len(t))) for i, t in enumerate(texts)])
    bm25 = bm25s.BM25()  # the reference: bm25s's own scoring of the same tokens
    bm25.index([content_stems(f"\n{t}") for t in texts], show_progress=False)
    for question in ["How does massage help leg cramps?", "muscle spasms dehydration", "zebra"]:
        stems = content_stems(question)
        mine = lexical.search(stems, 7)
        known = lexical.known_stems(stems)
        if not known:
            assert mine == []
            continue
        reference = bm25.get_scores(known)
        best = np.sort(reference)[::-1]
        assert len(mine) == min(7, int((reference > 0).sum()))
        for rank, (pid, score) in enumerate(mine):
            assert score == pytest.approx(float(reference[int(pid[1:])]), rel=1e-5)
            assert score == pytest.approx(float(best[rank]), rel=1e-5)


@pytest.mark.integration
def test_a_search_right_after_another_process_replaced_a_document(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app's embedded Chroma view and BM25 predate an ingest in another process that
    replaced the article it is asked about: the search reopens the index and answers from
    the new version, as a fresh process would (it used to fail on the vanished records)."""
    import subprocess

    from tests.helpers import PY, ROOT, cli_env

    env = cli_env(
        ASSISTANT_DB_DIR=str(settings.db_dir), ASSISTANT_CORPUS_DIR=str(settings.corpus_dir)
    )
    subprocess.run([PY, str(ROOT / "ingest.py")], cwd=ROOT, env=env, check=True, timeout=300)
    monkeypatch.setattr(retrieval, "RECHECK_SECONDS", 3600.0)  # its re-check is not due
    running = Retriever(Store(settings), embedder)
    question = "Why do leg cramps happen at night?"
    search(running, question)
    night = settings.corpus_dir / "why-leg-cramps-strike-at-night.txt"
    night.write_text(night.read_text().replace("concrete floors", "tiled floors"))
    subprocess.run([PY, str(ROOT / "ingest.py")], cwd=ROOT, env=env, check=True, timeout=300)

    after = search(running, question)
    fresh = search(Retriever(Store(settings), embedder), question)
    assert [s.sentence for s in after.sentences] == [s.sentence for s in fresh.sentences]
    assert any("tiled floors" in s.sentence.text for s in after.sentences[:3])


@pytest.mark.integration
def test_a_passage_without_sentences_does_not_make_a_search_run_twice(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line of symbols ("• ★ ★ ★") is a passage with no quotable sentence; a search that
    finds it is complete, not a sign that the index changed under it."""
    for article in settings.corpus_dir.glob("*.txt"):
        article.unlink()  # a corpus of two passages: every search finds both
    (settings.corpus_dir / "symbols.txt").write_text(
        "Symbols\n\nNight cramps strike the calves.\n\n• ★ ★ ★\n", encoding="utf-8"
    )
    ingest(settings, embedder=embedder)
    running = Retriever(Store(settings), embedder)
    calls = []
    search_once = running._search
    monkeypatch.setattr(running, "_search", lambda *a: calls.append(a) or search_once(*a))
    evidence = search(running, "stars and symbols")
    assert any(h.passage.text == "• ★ ★ ★" for h in evidence.passages)
    assert len(calls) == 1


@pytest.mark.integration
def test_the_articles_are_judged_the_same_among_unrelated_documents(
    tmp_path: Path, indexed: Settings, assistant, embedder: Embedder
) -> None:
    """Among 300 unrelated passages, a question's words keep the weight they have among the
    articles alone (rarity judged in the documents found), and the decisions hold: an
    answerable question is answered with the same lead quote, an unanswerable one refused.
    "how long do leg crampd last" is answered too: its answer's "long" and "last" are common
    among the unrelated passages, so only BM25 among the documents the question is about
    still finds it (fusion.about; over the whole collection it was refused)."""
    from assistant.api import build_assistant
    from bench.synthetic import make_corpus

    mixed = make_corpus(tmp_path / "corpus", 300, articles_from=indexed.corpus_dir)
    settings = Settings(corpus_dir=mixed, db_dir=tmp_path / "db")
    ingest(settings, embedder=embedder)
    among = build_assistant(settings, embedder=embedder)
    alone, crowded = assistant.retriever, among.retriever
    question = "Why do my leg cramps get worse at night?"
    terms = dict(search(crowded, question).terms)
    assert terms == pytest.approx(dict(search(alone, question).terms))
    assert crowded.lexical().idf("cramp") > 2 * alone.lexical().idf("cramp")  # rare overall
    asked = ("Why do my leg cramps get worse at night?", "Which massage helps leg cramps?")
    for q in (*asked, "how long do leg crampd last"):
        by_alone, by_crowded = assistant.ask(q), among.ask(q)
        assert not by_crowded.refused
        assert by_crowded.citations[0].quote == by_alone.citations[0].quote
    assert among.ask("Do kids get night leg cramps for the same reasons adults do?").refused


@pytest.mark.integration
def test_chroma_loads_its_index_in_the_background_while_the_lexical_index_and_model_load(
    indexed: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.store import lexical_files

    retriever = Retriever(Store(indexed), embedder)
    reader, calls = retriever.store.reader, []
    real = reader.nearest
    real_load = lexical_files.load

    def load(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - notes whether Chroma has begun
        calls.append(f"lexical, preload started: {retriever._preload is not None}")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(lexical_files, "load", load)

    def nearest(vector, k, hidden=()):  # noqa: ANN001, ANN202 - records who asks, and when
        calls.append(threading.current_thread().name)
        found = real(vector, k, hidden)
        calls.append(f"done {threading.current_thread().name}")
        return found

    reader.nearest = nearest
    search(retriever, "Why do leg cramps happen at night?")
    search(retriever, "How does massage help?")
    main = threading.current_thread().name
    assert [c for c in calls if c.startswith("lexical")] == ["lexical, preload started: True"]
    assert [c for c in calls if "preload" in c and "lexical" not in c] == [
        "chroma-preload",
        "done chroma-preload",
    ]  # once, and before any question's own query
    assert calls[-4:] == [main, f"done {main}"] * 2


@pytest.mark.integration
def test_the_lexical_index_is_read_into_the_file_cache_once_after_the_first_answer(
    indexed: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.store.lexical import Lexical

    retriever = Retriever(Store(indexed), embedder)
    calls, done = [], threading.Event()
    real_prefetch, real_search = Lexical.prefetch, retriever._search

    def prefetch(self: Lexical) -> int:
        read = real_prefetch(self)
        calls.append((threading.current_thread().name, read))
        done.set()
        return read

    def _search(*args):  # noqa: ANN002, ANN202 - notes each question's own search
        calls.append("search")
        return real_search(*args)

    monkeypatch.setattr(Lexical, "prefetch", prefetch)
    monkeypatch.setattr(retriever, "_search", _search)
    search(retriever, "Why do leg cramps happen at night?")
    assert done.wait(30)
    search(retriever, "How does massage help?")
    folder = next((indexed.lexical_dir / "built").iterdir())
    size = {f.name: f.stat().st_size for f in folder.iterdir()}
    least = size["sentence_vectors.npy"] + size["passages.bin"]
    assert calls[0] == "search" and calls[-1] == "search"  # after the first answer's search
    [(thread, read)] = [c for c in calls if c != "search"]  # once per loaded index
    assert thread == "lexical-prefetch" and least < read < sum(size.values())


@pytest.mark.unit
def test_the_documents_a_question_is_about_are_those_the_fusion_ranks_best() -> None:
    from assistant.search.fusion import about
    from assistant.store.lexical import Lexical
    from assistant.types import Passage

    lexical = Lexical(
        [
            (f"{d}{i}", Passage(f"{d}.md", d, "", f"Text {d} {i}.", 0, 9))
            for d in "abcde"
            for i in range(3)
        ]
    )
    number = {d: lexical.documents_of([f"{d}0"])[0] for d in "abcde"}
    ranked = [("c1", 0.05, 0.0, 0.0), ("a2", 0.04, 0.0, 0.0), ("c0", 0.03, 0.0, 0.0)]
    found = ["e0", "c1", "a2", "b1", "d2"]  # b, d and e were found, not fused
    assert about(ranked, found, lexical, n=5) is None  # no more documents than that
    assert about(ranked, found, lexical, n=2) == sorted([number["c"], number["a"]])
    three = about(ranked, found, lexical, n=3)
    assert three is not None and {number["c"], number["a"]} < set(three)
