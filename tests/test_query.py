from __future__ import annotations

import pytest

from assistant.search.query import correct, intent, lay_terms, resolve, tidy, understand

pytestmark = pytest.mark.unit

VOCAB = {"leg", "cramps", "night", "massage", "calves", "stretching", "heated", "pads"}


def test_tidy_removes_control_and_zero_width_characters() -> None:
    assert tidy("  why\x00 do\u200b my\tlegs\n\ncramp?\x1b ") == "why do my legs cramp?"
    assert tidy("\x00\x01 \u200b") == ""


def test_spelling_is_corrected_against_the_corpus_only_for_non_words() -> None:
    fixed, changes = correct("leg crampz at nite", VOCAB)
    assert fixed == "leg cramps at night"
    assert dict(changes) == {"crampz": "cramps", "nite": "night"}
    # Real English words are never "corrected" into corpus words.
    assert correct("chocolate cake recipe", VOCAB) == ("chocolate cake recipe", ())
    assert correct("massge", VOCAB)[0] == "massage"


def test_a_correction_prefers_a_content_word_then_the_corpus_s_more_common_word() -> None:
    # "not" is nearer by edit distance, but a misspelt four-letter word meant something.
    assert correct("nite", VOCAB | {"not"})[0] == "night"
    # "need" and "night" are as near and sound alike: the word the corpus uses more wins.
    assert correct("nite", {"need": 3, "night": 5, "not": 2})[0] == "night"
    assert correct("nite", {"need": 5, "night": 3, "not": 2})[0] == "need"


def test_a_correction_prefers_the_spelling_of_the_documents_the_question_is_about() -> None:
    # In a large collection "poster" and "posture" are both one edit from "postur"; the
    # document the question's other words find uses "posture".
    vocab = {"poster": 40, "posture": 1, "cramps": 5}
    assert correct("bad postur cramps", vocab)[0] == "bad poster cramps"
    near = {"posture": 0, "cramps": 0, "poster": 3}
    assert correct("bad postur cramps", vocab, lambda: near)[0] == "bad posture cramps"
    # asked for only when a word needs correcting
    assert correct("bad cramps", vocab, lambda: pytest.fail("not needed")) == ("bad cramps", ())


def test_a_correction_that_sounds_the_same_counts_one_edit_less() -> None:
    # "calls" is one edit from "calfs", "calves" two, but "calves" sounds the same: equally
    # close, so the found document's word wins.
    vocab = {"calls": 50, "calves": 2}
    assert correct("sore calfs", vocab, lambda: {"calves": 0})[0] == "sore calves"
    assert correct("sore calfs", vocab, lambda: {"calls": 0})[0] == "sore calls"


def test_a_word_with_an_apostrophe_is_checked_whole() -> None:
    """ "couldn't" is a word though "couldn" is not: among many documents "column" is one
    edit away, and must not turn the question into "I column't move"."""
    vocabulary = {"column": 3, "world": 2, "did": 1, "cramps": 1}
    text = "I couldn't move, it wouldn't quit, the crampz' pain"
    fixed, changes = correct(text, vocabulary)
    assert fixed == "I couldn't move, it wouldn't quit, the cramps' pain"
    assert changes == (("crampz", "cramps"),)


def test_follow_ups_are_resolved_against_the_previous_question() -> None:
    history = ["Why do leg cramps happen at night?"]
    resolved = resolve("and does heat help with that?", history)
    assert resolved == "and does heat help with that (leg cramps happen night)?"
    # No pronoun or opening "and" is needed: the earlier question's words it leaves out are
    # added, each once, and the ones it repeats are not.
    assert resolve("Which medical conditions, specifically?", ["What causes leg cramps?"]) == (
        "Which medical conditions, specifically (causes leg cramps)?"
    )
    assert resolve("Do leg cramps hurt?", history) == "Do leg cramps hurt (happen night)?"
    # A question holding every content word of the one before is left alone, and so is
    # anything without history.
    own = "Why do leg cramps happen at night when I sleep?"
    assert resolve(own, history) == own
    assert resolve("and does heat help with that?", []) == "and does heat help with that?"


def test_intent() -> None:
    assert intent("Why do leg cramps happen at night?") == "cause"
    assert intent("How can I relieve a cramp?") == "treatment"
    assert intent("How is RLS different from a cramp?") == "difference"
    assert intent("How long does a cramp last?") == "duration"
    assert intent("Where in the leg do cramps hurt?") == "place"
    assert intent("Is massage holistic?") == ""


def test_understand_keeps_the_question_and_reports_what_was_searched() -> None:
    q = understand("leg crampz at nite?", [], VOCAB)
    assert q.question == "leg crampz at nite?"
    assert q.searched_for == "leg cramps at night?"


def test_lay_terms_come_from_the_collection_itself(tmp_path) -> None:
    from pathlib import Path

    seeds = lay_terms(Path("corpus"))  # this collection's glossary, corpus/.collection/
    assert seeds, "the seed collection ships its lay terms"
    q = understand("Why do I get a charley horse in bed?", [], VOCAB, seeds)
    assert "leg cramp muscle spasm" in q.searched_for
    assert {"charley", "horse"} <= q.explained
    # A collection without a glossary has no lay terms, and the question is searched as asked.
    assert lay_terms(tmp_path) == ()
    plain = understand("Why do I get a charley horse in bed?", [], VOCAB, lay_terms(tmp_path))
    assert plain.searched_for == "Why do I get a charley horse in bed?"
    # A glossary line without "=>" or without words on either side is ignored.
    (tmp_path / ".collection").mkdir()
    (tmp_path / ".collection" / "lay_terms.txt").write_text(
        "# comment\nbroken line\n => nothing\nbrolly | umbrella => rain cover\n", "utf-8"
    )
    glossary = lay_terms(tmp_path)
    assert len(glossary) == 1 and glossary[0][1] == "rain cover"
