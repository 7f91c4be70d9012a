from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus import content_spans, decode, is_chrome, load_corpus
from assistant.errors import CorpusError

pytestmark = pytest.mark.unit

CHROME_IN_SEEDS = [
    "Comments",
    "No comments yet",
    "Leave a Reply",
    "Your email address will not be published",
]


def kept(text: str) -> str:
    return "\n".join(text[s.start : s.end] for s in content_spans(text))


def test_real_articles_load_with_titles(corpus: Path) -> None:
    docs, skipped = load_corpus(corpus, 10**6)
    assert skipped == []
    titles = {Path(d.source).name: d.title for d in docs}
    assert titles["why-leg-cramps-strike-at-night.txt"] == (
        "These Are The Reasons You Get Leg Cramps At Night"
    )
    assert titles["massage-for-leg-cramps.txt"] == (
        "Unlock the Power of Massage: Relief for Debilitating Leg Cramps"
    )
    for d in docs:
        assert d.text == (corpus / Path(d.source).name).read_text(encoding="utf-8")


def test_page_chrome_is_not_content(corpus: Path) -> None:
    docs, _ = load_corpus(corpus, 10**6)
    massage = next(d for d in docs if "massage" in d.source)
    assert all(phrase in massage.text for phrase in CHROME_IN_SEEDS)
    content = kept(massage.text)
    for phrase in CHROME_IN_SEEDS:
        assert phrase not in content
    assert "Regular maintenance matters" in content


@pytest.mark.parametrize(
    "line",
    [
        "Share this:",
        "Click to share on Twitter (Opens in new window)",
        "Like this:",
        "Tags: cramps, massage, sleep",
        "Posted in Health by admin",
        "3 Comments",
        "Leave a comment",
        "Be the first to comment!",
        "Required fields are marked *",
        "Save my name, email, and website in this browser for the next time I comment.",
        "We use cookies to improve your experience.",
        "Subscribe to our newsletter for weekly tips",
        "© 2024 Example Health. All rights reserved.",
        "Previous post: Ten stretches for runners",
    ],
)
def test_other_web_chrome_lines_are_recognised(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        "Comments from readers suggest that stretching helps before bed.",
        "Share your experience with your doctor if cramps persist.",
        "Massage therapy has been shown to be an effective way to reduce muscle tension.",
        "Posted in the journal, the study found that massage reduced pain for many patients.",
    ],
)
def test_article_sentences_are_not_chrome(line: str) -> None:
    assert not is_chrome(line)
    assert kept(line) == line


def test_a_comment_section_ends_the_article() -> None:
    text = "Title\n\nReal paragraph one.\n\nRelated Posts\n\nTen stretches\n\nWhy we sleep\n"
    assert kept(text) == "Title\nReal paragraph one."


def test_decode_handles_encodings_and_binary() -> None:
    assert decode("café\r\nnext\rline".encode()) == "café\nnext\nline"
    legacy = "Cramps at night – it’s the calves “mostly”, même chez les sportifs."
    assert decode(legacy.encode("cp1252")) == legacy
    cyrillic = "Ночные судороги в ногах часто возникают у пожилых людей. Растяжка помогает."
    assert decode(cyrillic.encode("cp1251")) == cyrillic
    with pytest.raises(ValueError, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00")


def test_bad_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.md").write_text("# Heat\n\nA warm bath before bed relaxes the calves.\n")
    (corpus / "empty.txt").write_text("")
    (corpus / "image.txt").write_bytes(b"\x00\x01\x02binary")
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    (corpus / "sheet.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (corpus / "huge.txt").write_text("word " * 400)
    (corpus / "dangling.txt").symlink_to(corpus / "missing.txt")
    (corpus / "loop").symlink_to(corpus)  # a directory symlink loop: not followed
    (corpus / ".hidden.txt").write_text("ignored entirely")
    docs, skipped = load_corpus(corpus, max_bytes=1000)
    assert [d.title for d in docs] == ["Heat"]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert set(reasons) == {
        "empty.txt",
        "image.txt",
        "notes.docx",
        "sheet.xls",
        "huge.txt",
        "dangling.txt",
    }
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["image.txt"]
    assert "not a valid Word document" in reasons["notes.docx"]
    assert "unsupported" in reasons["sheet.xls"]
    assert "too large" in reasons["huge.txt"]
    assert "not a regular file" in reasons["dangling.txt"]


def test_missing_or_wrong_corpus_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope", 1000)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(CorpusError, match="not a folder"):
        load_corpus(tmp_path / "file.txt", 1000)
