"""Settings: the one configuration object, read from `ASSISTANT_*` environment variables.

Read once at an entry point (`ingest.py`, `app.py`, `python -m assistant`) with
`Settings.from_env()` and passed down; nothing else in the package reads the environment, and
only `offline_environment` (called by the same entry points) changes it: the variables that
keep the libraries offline and quiet (no model hub, no telemetry, no analytics).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.errors import AssistantError

PREFIX = "ASSISTANT_"
OFFLINE = {
    "HF_HUB_OFFLINE": "1",  # the model comes from an installed package, never the hub
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",  # Chroma
    "GRADIO_ANALYTICS_ENABLED": "False",
}


def offline_environment() -> None:
    """Set the variables that keep the libraries offline and quiet, before they load."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    for name, value in OFFLINE.items():
        os.environ.setdefault(name, value)


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")
    db_dir: Path = Path(".chroma")
    chroma_url: str | None = None
    collection: str = "passages"
    feedback_path: Path = Path("feedback.jsonl")
    max_question_chars: int = 2000
    max_file_bytes: int = 5_000_000
    batch_size: int = 16  # texts per model call: 64 is faster on short texts, ~175 MB more
    backend: str | None = None  # embedding backend: "onnx", "torch", "onnx-int8"; None = best
    llm: str | None = None  # the answer writer: none, openai:URL:MODEL, ollama:MODEL, llamacpp:PATH
    llm_timeout: int = 60  # seconds a language model may take for one answer
    llm_api_key: str | None = field(default=None, repr=False)  # openai: else OPENAI_API_KEY
    auth: str | None = field(default=None, repr=False)  # "user:password" for the chat page

    @property
    def login(self) -> tuple[str, str] | None:
        """(user, password) from `auth`, or None when no login is set."""
        if not self.auth:
            return None
        user, _, password = self.auth.partition(":")
        return user, password

    @property
    def lexical_dir(self) -> Path:
        """Where the lexical index is kept (store/lexical_files.py): inside the on-disk
        index, or for a Chroma server, beside `db_dir` in a folder named after the server and
        collection (this machine's copy; any process rebuilds it when it is missing)."""
        if not self.chroma_url:
            return self.db_dir / "lexical" / self.collection
        tag = hashlib.sha256(f"{self.chroma_url}\0{self.collection}".encode()).hexdigest()[:16]
        return self.db_dir.with_name(f"{self.db_dir.name}-lexical") / tag

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `ASSISTANT_*` variables; unset or empty ones keep defaults."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name, "").strip()
            return value or None

        def get_int(name: str, default: int) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise AssistantError(
                    f"{PREFIX}{name} must be a whole number, got {raw!r}."
                ) from None
            if value <= 0:
                raise AssistantError(f"{PREFIX}{name} must be positive, got {value}.")
            return value

        base = cls()
        return cls(
            corpus_dir=Path(get("CORPUS_DIR") or base.corpus_dir),
            db_dir=Path(get("DB_DIR") or base.db_dir),
            chroma_url=get("CHROMA_URL"),
            collection=get("COLLECTION") or base.collection,
            feedback_path=Path(get("FEEDBACK_PATH") or base.feedback_path),
            max_question_chars=get_int("MAX_QUESTION_CHARS", base.max_question_chars),
            max_file_bytes=get_int("MAX_FILE_BYTES", base.max_file_bytes),
            batch_size=get_int("BATCH_SIZE", base.batch_size),
            backend=get("BACKEND"),
            llm=get("LLM"),
            llm_timeout=get_int("LLM_TIMEOUT", base.llm_timeout),
            llm_api_key=get("LLM_API_KEY") or env.get("OPENAI_API_KEY") or None,
            auth=_auth(get("AUTH")),
        )

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (used by entry points for command-line flags)."""
        return replace(self, **changes)


def _auth(raw: str | None) -> str | None:
    if raw is None:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise AssistantError(f"{PREFIX}AUTH must look like user:password.")
    return raw
