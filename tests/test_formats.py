"""HTML, PDF and Word articles: extraction, verifiable quotes, and bad files skipped.

Real parts throughout: trafilatura, pdfplumber and python-docx on documents built by
tests/documents.py, the real model and a Chroma index on disk.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.extract import EXTRACTORS
from assistant.settings import Settings
from tests import documents as make
from tests.helpers import PY, ROOT, cli_env

BAKING = (
    "Baking bread at home",
    [
        ("paragraph", "Home bakers often start with a simple white loaf before sourdough."),
        ("heading", "Why the dough rises"),
        (
            "paragraph",
            "Dough rises because yeast eats the sugars in flour and releases carbon dioxide, "
            "which the stretchy gluten network traps in small bubbles. Warmth speeds this up, "
            "so a loaf proves faster in a warm kitchen than in a cold one.",
        ),
        ("heading", "Baking the loaf"),
        (
            "paragraph",
            "Bake the loaf in a preheated oven at 230 degrees for about thirty five minutes, "
            "until the crust is deep brown and the base sounds hollow when tapped.",
        ),
        ("bullet", "Let the bread cool for an hour before slicing it."),
        ("bullet", "Store it in a paper bag, never in the fridge."),
    ],
)
BEES = (
    "Keeping bees in a small garden",
    [
        (
            "paragraph",
            "A single hive fits in most gardens if the entrance faces away from paths, so "
            "the bees fly up and over a fence instead of across where people walk.",
        ),
        ("heading", "Feeding in winter"),
        (
            "paragraph",
            "In a cold winter a colony can eat through its honey stores, and a beekeeper "
            "then feeds the bees with fondant placed directly above the cluster.",
        ),
    ],
)
TOMATOES = (
    "Growing tomatoes on a balcony",
    [
        (
            "paragraph",
            "Tomato plants in pots need watering every day in hot weather, because the small "
            "amount of soil in a container dries out far faster than a garden bed.",
        ),
        ("heading", "Feeding the plants"),
        (
            "paragraph",
            "Once the first flowers open, feed the plants weekly with a high potash liquid "
            "fertiliser to get more fruit.",
        ),
    ],
)


def _quote_checks(citation: dict) -> str:
    """The text a citation's offsets index (its text_file's, else its source's)."""
    path = ROOT / (citation.get("text_file") or citation["source"])
    if not path.is_file():
        path = Path(citation.get("text_file") or citation["source"])
    return path.read_text(encoding="utf-8")


# --- extraction (no index) -----------------------------------------------------------------


@pytest.mark.unit
def test_html_keeps_the_article_and_drops_the_page_furniture() -> None:
    page = make.html_page(*BAKING, url="https://example.org/bread")
    out = EXTRACTORS[".html"](page.encode())
    assert out.title == "Baking bread at home"
    assert out.url == "https://example.org/bread"
    assert "## Why the dough rises" in out.text
    assert "- Let the bread cool for an hour before slicing it." in out.text
    for furniture in ("Related posts", "Share this", "cookies", "Leave a", "©"):
        assert furniture.lower() not in out.text.lower()


@pytest.mark.unit
def test_html_markup_and_scripts_never_reach_the_text() -> None:
    out = EXTRACTORS[".html"](make.html_with_scripts(*BEES).encode())
    assert "onerror" not in out.text and "alert(1)" not in out.text.replace("<script>", "")
    assert "<img" not in out.text


@pytest.mark.unit
def test_pdf_text_is_per_page_with_paragraphs_joined() -> None:
    out = EXTRACTORS[".pdf"](make.pdf_bytes(*BAKING, page_breaks_after=3))
    assert out.title == "Baking bread at home"
    assert out.text.count("\f") == 1
    # a wrapped paragraph comes back as one line, so its sentences can be quoted whole
    assert "carbon dioxide, which the stretchy gluten network traps" in out.text


@pytest.mark.unit
def test_docx_headings_and_list_items() -> None:
    out = EXTRACTORS[".docx"](make.docx_bytes(*TOMATOES))
    assert out.title == "Growing tomatoes on a balcony"
    assert "## Feeding the plants" in out.text


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("locked.pdf", lambda: make.pdf_bytes(*BEES, password="secret"), "password"),
        ("scan.pdf", make.scanned_pdf, "no text layer"),
        ("broken.pdf", make.corrupt_pdf, "not a readable PDF"),
        ("bomb.docx", make.zip_bomb_docx, "zip bomb"),
        ("broken.docx", make.malformed_docx, "not a valid Word document"),
        ("menu.html", lambda: make.html_without_text().encode(), "no article text"),
    ],
)
def test_bad_files_are_skipped_with_a_reason_and_the_rest_indexed(
    tmp_path: Path, name: str, data, reason: str
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.docx").write_bytes(make.docx_bytes(*TOMATOES))
    (corpus / name).write_bytes(data())
    documents, skipped = load_corpus(corpus, 5_000_000)
    assert [Path(d.source).name for d in documents] == ["good.docx"]
    assert len(skipped) == 1 and reason in skipped[0].reason
    assert "\n" not in skipped[0].reason


# --- through ingest and ask (the contract's faces) ------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A folder with a furnished web page, a PDF and a Word file, ingested by ingest.py."""
    base = tmp_path_factory.mktemp("mixed")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "bread.html").write_text(
        make.html_page(*BAKING, url="https://example.org/bread"), encoding="utf-8"
    )
    (corpus / "bees.pdf").write_bytes(make.pdf_bytes(*BEES, page_breaks_after=1))
    (corpus / "tomatoes.docx").write_bytes(make.docx_bytes(*TOMATOES))
    env = cli_env(ASSISTANT_CORPUS_DIR=str(corpus), ASSISTANT_DB_DIR=str(base / "db"))
    run = subprocess.run(
        [PY, "ingest.py", "--json"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return {"env": env, "report": json.loads(run.stdout.splitlines()[-1]), "corpus": corpus}


def _ask(mixed: dict, questions: list[str]) -> list[dict]:
    run = subprocess.run(
        [PY, "-m", "assistant", "ask", "--json", "-"],
        cwd=ROOT,
        env=mixed["env"],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


@pytest.mark.integration
def test_each_format_is_quoted_with_offsets_that_verify(mixed: dict) -> None:
    assert mixed["report"]["documents"] == 3 and not mixed["report"]["skipped"]
    answers = _ask(
        mixed,
        [
            "How hot should the oven be to bake bread?",
            "What do beekeepers feed bees in winter?",
            "How often do tomatoes in pots need water?",
        ],
    )
    for answer, source in zip(answers, ["bread.html", "bees.pdf", "tomatoes.docx"], strict=True):
        assert not answer["refused"], answer["answer"]
        first = answer["citations"][0]
        assert first["source"].endswith(source)
        assert first["text_file"] and first["text_file"] != first["source"]
        for c in answer["citations"]:
            assert _quote_checks(c)[c["start"] : c["end"]] == c["quote"]
    assert answers[1]["citations"][0]["page"] == 2  # the feeding paragraph is on page 2
    assert answers[0]["citations"][0]["url"] == "https://example.org/bread"
    assert "page" not in answers[0]["citations"][0]


@pytest.mark.integration
def test_page_furniture_is_never_quoted(mixed: dict) -> None:
    for answer in _ask(mixed, ["What do readers say in the comments?", "Related posts"]):
        for c in answer["citations"]:
            assert "comment" not in c["quote"].lower() and "related" not in c["quote"].lower()


@pytest.mark.integration
def test_an_unchanged_file_is_not_extracted_or_embedded_again(mixed: dict) -> None:
    kept = sorted((mixed["corpus"] / ".extracted").glob("*.txt"))
    assert len(kept) == 3
    run = subprocess.run(
        [PY, "ingest.py", "--json"], cwd=ROOT, env=mixed["env"], capture_output=True, text=True
    )
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["embedded"] == 0 and report["unchanged"] == 3
    assert sorted((mixed["corpus"] / ".extracted").glob("*.txt")) == kept


@pytest.mark.integration
def test_a_changed_file_replaces_its_kept_text(tmp_path: Path, embedder) -> None:
    from assistant.ingest.indexing import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tomatoes.docx").write_bytes(make.docx_bytes(*TOMATOES))
    settings = Settings(corpus_dir=corpus, db_dir=tmp_path / "db")
    ingest(settings, embedder=embedder)
    first = list((corpus / ".extracted").glob("*.txt"))
    (corpus / "tomatoes.docx").write_bytes(make.docx_bytes(*BEES))
    report = ingest(settings, embedder=embedder)
    second = list((corpus / ".extracted").glob("*.txt"))
    assert report.embedded > 0 and len(second) == 1 and second != first
    assert "bees" in second[0].read_text(encoding="utf-8")
