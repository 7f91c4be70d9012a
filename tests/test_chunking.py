from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chunking import chunk
from assistant.corpus import load_corpus, load_markdown, load_text

pytestmark = pytest.mark.unit


def real_documents(corpus: Path):
    docs, _ = load_corpus(corpus, 10**6)
    return docs


def test_offsets_round_trip(corpus: Path) -> None:
    for doc in real_documents(corpus):
        file_text = (corpus / Path(doc.source).name).read_text(encoding="utf-8")
        passages = chunk(doc)
        assert passages
        for p in passages:
            assert file_text[p.start : p.end] == p.text
            assert p.text == p.text.strip()
        starts = [p.start for p in passages]
        assert starts == sorted(starts)
        assert all(a.end <= b.start for a, b in zip(passages, passages[1:], strict=False))


def test_article_rebuilds_from_passages(corpus: Path) -> None:
    """Put every passage back at its offsets over a blank canvas: every content line of the
    file comes back whole, and the only lines missing are the title, section headings and
    page chrome."""
    for doc in real_documents(corpus):
        passages = chunk(doc)
        canvas = [c if c == "\n" else " " for c in doc.text]
        for p in passages:
            canvas[p.start : p.end] = p.text
        rebuilt = "".join(canvas).split("\n")
        original = doc.text.split("\n")
        assert len(rebuilt) == len(original)
        headings = {p.heading for p in passages} | {doc.title}
        for line, orig in zip(rebuilt, original, strict=True):
            if line.strip():
                assert line.strip() == orig.strip()
            elif orig.strip():
                assert (
                    orig.strip() in headings
                    or orig.strip() in {"Comments", "Leave a Reply", "In conclusion:"}
                    or orig.startswith(("No comments yet", "Your email address"))
                ), f"content line lost from {doc.source}: {orig!r}"


def test_structure_bullets_headings(corpus: Path) -> None:
    massage = next(d for d in real_documents(corpus) if "massage" in d.source)
    passages = chunk(massage)
    bullets = [p for p in passages if p.text.startswith("•")]
    assert len(bullets) == 14
    dehydration = next(p for p in passages if "Dehydration" in p.text)
    assert dehydration.heading == "Common Causes of Leg Cramps"
    assert dehydration.text.count("•") == 1
    assert all(p.title == massage.title for p in passages)
    assert not any(p.text == "Comments" or "Leave a Reply" in p.text for p in passages)


def test_long_paragraphs_split_at_sentences_with_offsets() -> None:
    sentence = "Stretching the calf for thirty seconds before bed can ease night cramps. "
    text = "Title line\n\n" + sentence * 30 + "\n"
    doc = load_text("x.txt", text)
    passages = chunk(doc, max_chars=300)
    assert len(passages) > 5
    for p in passages:
        assert len(p.text) <= 300
        assert text[p.start : p.end] == p.text
        assert p.text.endswith(".")


def test_markdown_headings_and_lists() -> None:
    text = (
        "# Night cramps\n\nIntro paragraph about cramps at night.\n\n## Causes\n\n"
        "- Dehydration makes muscles spasm.\n- Standing on concrete floors all day.\n"
        "  continued line of the second item.\n\n## Relief\n\nA warm bath relaxes the muscles.\n"
    )
    doc = load_markdown("x.md", text)
    assert doc.title == "Night cramps"
    passages = chunk(doc)
    got = [(p.heading, p.text) for p in passages]
    assert got == [
        ("", "Intro paragraph about cramps at night."),
        ("Causes", "- Dehydration makes muscles spasm."),
        ("Causes", "- Standing on concrete floors all day.\n  continued line of the second item."),
        ("Relief", "A warm bath relaxes the muscles."),
    ]
    for p in passages:
        assert text[p.start : p.end] == p.text


def test_passage_ids_are_content_hashes(corpus: Path) -> None:
    doc = real_documents(corpus)[0]
    a, b = chunk(doc), chunk(doc)
    assert [p.id for p in a] == [p.id for p in b]
    assert len({p.id for p in a}) == len(a)


def test_sentences_keep_offsets_and_drop_bullet_markers(corpus: Path) -> None:
    from assistant.chunking import sentences

    for doc in real_documents(corpus):
        for p in chunk(doc):
            for s in sentences(p):
                assert doc.text[s.start : s.end] == s.text
                assert p.start <= s.start < s.end <= p.end
                assert not s.text.startswith(("•", "-", "*"))


def test_sentences_that_lean_back_are_joined() -> None:
    from assistant.chunking import sentences

    text = (
        "Title\n\n"
        "• Deep tissue massage: Focuses on deeper layers of muscle. This technique is "
        "highly effective for spasms. Trigger points are another option, Dr. Smith says.\n"
    )
    (p,) = chunk(load_text("x.txt", text))
    got = [s.text for s in sentences(p)]
    assert got == [
        "Deep tissue massage: Focuses on deeper layers of muscle. This technique is highly "
        "effective for spasms.",
        "Trigger points are another option, Dr. Smith says.",
    ]
