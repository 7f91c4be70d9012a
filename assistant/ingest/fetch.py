"""Fetch: save a web page into the corpus folder, once, with its address recorded.

Does: download an http(s) address with the standard library (a time limit, the size limit,
redirects followed), refuse anything that is not an HTML page, and save the page as
`<corpus>/<name>.html` with the browsers' own mark of a saved page,
`<!-- saved from url=(NNNN)address -->`, as its first line: the address is then shown as the
article's link, and later ingests read the file with no network. An address already saved in
the corpus is not fetched again.
Does not: extract text (extract/web.py does, at ingest), run scripts, or follow links.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from assistant.corpus import write_atomically
from assistant.errors import ArticleError
from assistant.extract.web import saved_from

TIMEOUT = 20  # seconds
USER_AGENT = "grounded-articles-assistant/0.1 (+saves one page for offline reading)"
_SLUG = re.compile(r"[^a-z0-9]+")


def page_name(url: str) -> str:
    """A file name for a page's address: its last path segment (or its host), as a slug."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    last = re.sub(r"\.(html?|php|aspx?)$", "", segments[-1], flags=re.I) if segments else ""
    slug = _SLUG.sub("-", (last or parts.hostname or "page").lower()).strip("-")
    return f"{slug[:80] or 'page'}.html"


def saved_pages(corpus_dir: Path) -> dict[str, Path]:
    """address -> file, for the pages in the corpus folder that record one."""
    out = {}
    for path in sorted(corpus_dir.glob("*.htm*")):
        try:
            with path.open("rb") as f:
                url = saved_from(f.read(4096))
        except OSError:
            continue
        if url:
            out.setdefault(url, path)
    return out


def fetch(url: str, corpus_dir: Path, max_bytes: int) -> Path:
    """Save the page at `url` into `corpus_dir` (or find it already saved); its path."""
    import urllib.error
    import urllib.request

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ArticleError(f"{url}: not a web address (it must start with http:// or https://).")
    known = saved_pages(corpus_dir)
    if url in known:
        return known[url]
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            kind = response.headers.get_content_type()
            if kind not in ("text/html", "application/xhtml+xml"):
                raise ArticleError(f"{url}: not a web page (it is {kind}).")
            data = response.read(max_bytes + 1)
    except ArticleError:
        raise
    except urllib.error.HTTPError as e:
        raise ArticleError(f"{url}: the server answered {e.code} {e.reason}.") from None
    except urllib.error.URLError as e:
        raise ArticleError(f"{url}: cannot be reached ({e.reason}).") from None
    except (TimeoutError, OSError) as e:
        raise ArticleError(f"{url}: cannot be reached ({e.strerror or e}).") from None
    if len(data) > max_bytes:
        raise ArticleError(f"{url}: the page is larger than the limit ({max_bytes:,} bytes).")
    if not data.strip():
        raise ArticleError(f"{url}: the page is empty.")
    return _save(corpus_dir, page_name(url), url, data)


def _save(corpus_dir: Path, name: str, url: str, data: bytes) -> Path:
    stem = name.removesuffix(".html")
    target, n = corpus_dir / name, 2
    while target.exists():
        target, n = corpus_dir / f"{stem}-{n}.html", n + 1
    mark = f"<!-- saved from url=({len(url):04d}){url} -->\n".encode()
    try:
        write_atomically(target, mark + data)
    except OSError as e:
        raise ArticleError(f"{url}: cannot save the page ({e.strerror or e}).") from None
    return target
