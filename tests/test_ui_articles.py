"""The Articles tab and the `/add_article` and `/remove_article` endpoints: a real
`python app.py` over a writable copy of the corpus, Debian's Chromium for the page and
gradio_client for the API."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import documents as make
from tests.helpers import CORPUS, PY, ROOT, cli_env, free_port, running
from tests.test_ui import CHROMIUM, browser, pytestmark  # noqa: F401 - shared fixture and mark

BEES = (
    "Keeping bees in a small garden",
    [
        (
            "paragraph",
            "In a cold winter a colony can eat through its honey stores, and a beekeeper "
            "then feeds the bees with fondant placed directly above the cluster.",
        ),
    ],
)
BREAD = (
    "Baking bread at home",
    [
        (
            "paragraph",
            "Bake the loaf in a preheated oven at 230 degrees for about thirty five minutes, "
            "until the crust is deep brown and the base sounds hollow when tapped.",
        ),
    ],
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("articles-app")
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    env = cli_env(ASSISTANT_CORPUS_DIR=str(corpus), ASSISTANT_DB_DIR=str(base / "db"))
    subprocess.run([PY, "ingest.py", "--json"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with running([PY, str(ROOT / "app.py"), "--port", str(port)], url, env, base / "app.log"):
        yield {"url": url, "corpus": corpus, "base": base}


def test_add_and_remove_through_the_api(app: dict) -> None:
    from gradio_client import Client, handle_file

    client = Client(app["url"], verbose=False)
    upload = app["base"] / "bees.pdf"
    upload.write_bytes(make.pdf_bytes(*BEES))
    summary = client.predict(handle_file(str(upload)), api_name="/add_article")
    assert summary["documents"] == 3 and summary["embedded"] > 0, summary
    assert {"passages", "unchanged", "removed", "skipped", "seconds"} <= set(summary)
    answer = client.predict("What do beekeepers feed bees in winter?", api_name="/ask")
    assert not answer["refused"]
    cited = answer["citations"][0]
    assert cited["source"].endswith("bees.pdf") and cited["page"] == 1
    text = Path(cited["text_file"]) if Path(cited["text_file"]).is_absolute() else None
    text = text or ROOT / cited["text_file"]
    assert text.read_text(encoding="utf-8")[cited["start"] : cited["end"]] == cited["quote"]

    again = client.predict(handle_file(str(upload)), api_name="/add_article")
    assert "already" in again["error"]
    bad = app["base"] / "notes.docx"
    bad.write_bytes(make.malformed_docx())
    refused = client.predict(handle_file(str(bad)), api_name="/add_article")
    assert "not a valid Word document" in refused["error"]

    removed = client.predict(cited["source"], api_name="/remove_article")
    assert removed["removed"] == 1 and removed["documents"] == 2
    gone = client.predict("What do beekeepers feed bees in winter?", api_name="/ask")
    assert gone["refused"]
    missing = client.predict("corpus/nothing-here.txt", api_name="/remove_article")
    assert "no indexed article" in missing["error"]


def test_upload_and_remove_in_the_browser(app: dict, browser, tmp_path: Path) -> None:  # noqa: F811
    files = []
    for name, data in (("bread.docx", make.docx_bytes(*BREAD)), ("scan.pdf", make.scanned_pdf())):
        files.append(tmp_path / name)
        files[-1].write_bytes(data)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(app["url"])
        page.get_by_role("tab", name="Articles").click()
        page.locator("#upload input[type=file]").set_input_files([str(f) for f in files])
        status = page.locator("#articles-status")
        status.get_by_text("Added").wait_for(timeout=60_000)
        assert "bread.docx" in status.inner_text()
        assert "no text layer" in status.inner_text()  # the scan is refused, with its reason
        page.wait_for_function(
            "() => document.querySelector('#articles').innerText.includes('Baking bread')"
        )
        assert (app["corpus"] / "bread.docx").is_file()
        assert not (app["corpus"] / "scan.pdf").exists()
        # The README's picture of the tab: refreshed with UPDATE_SCREENSHOT=1.
        target = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOT") else tmp_path
        page.screenshot(path=str(target / "articles.png"))

        page.get_by_role("tab", name="Chat").click()
        page.locator("#question textarea").fill("How hot should the oven be for bread?")
        page.locator("#ask").click()
        page.locator("#sources .card").first.wait_for(timeout=30_000)
        assert "bread.docx" in page.locator("#sources .card").first.inner_text()

        page.get_by_role("tab", name="Articles").click()
        choice = page.locator("#remove-choice input")
        choice.click()
        page.get_by_role("option", name=str(Path("bread.docx"))).or_(
            page.get_by_role("option").filter(has_text="bread.docx")
        ).first.click()
        page.locator("#remove").click()
        status.get_by_text("Removed").wait_for(timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('#articles').innerText.includes('Baking bread')"
        )
        assert not (app["corpus"] / "bread.docx").exists()
    finally:
        context.close()


def test_changing_articles_is_off_beyond_loopback_without_a_login(assistant, indexed) -> None:
    """What app.py decides for a public address without ASSISTANT_AUTH (served here on
    loopback, with the same setting, so nothing leaves the machine)."""
    from gradio_client import Client

    from assistant.present.cli import may_change_articles
    from assistant.present.ui import build

    assert may_change_articles("127.0.0.1", None) and may_change_articles("0.0.0.0", ("u", "p"))
    assert not may_change_articles("0.0.0.0", None)
    port = free_port()
    app = build(assistant, indexed, can_change=False)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        out = client.predict("corpus/anything.txt", api_name="/remove_article")
        assert "ASSISTANT_AUTH" in out["error"]
    finally:
        app.close()
