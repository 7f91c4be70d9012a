"""Writer stage (optional): a language model turns the chosen quotes into a fluent answer.

Does: read `ASSISTANT_LLM` (`none`, `openai:<base_url>:<model>`, `ollama:<model>`,
`llamacpp:<path to .gguf>`); build a LangChain chat model for it (langchain-openai,
langchain-ollama, or llama-cpp-python in process, llamacpp.py); fill the packaged
`ChatPromptTemplate` (assistant/prompts/answer.json) with the question and the numbered quotes,
delimited as data; stream the reply's tokens under a deadline, stopping early when the model
starts repeating itself. Every failure (a malformed setting, a missing package or file, an
unreachable server, a timeout) is a one-line `WriterError`; the caller keeps the extractive
answer.
Does not: decide whether to answer (refusals come first, answer.py), nor what of the reply
stands (grounding.py checks every sentence). The model packages live in the `llm` extra and
are imported only when a writer is used.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from assistant.errors import WriterError
from assistant.settings import Settings
from assistant.types import Citation

MAX_TOKENS = 256
FORMS = "none, openai:<base_url>:<model>, ollama:<model> or llamacpp:<path to .gguf>"
# openai:<scheme://host[:port][/path]>:<model>; the model name may itself hold colons.
_OPENAI = re.compile(r"^(https?://[^\s/:]+(?::\d+)?(?:/[^\s:]*)?):(\S.*)$")


@dataclass(frozen=True)
class LLMSpec:
    """A parsed `ASSISTANT_LLM`: which kind of model, which model, and where."""

    kind: str  # "openai" | "ollama" | "llamacpp"
    model: str  # a model name, or for llamacpp the .gguf path
    base_url: str = ""

    @property
    def name(self) -> str:
        """What an answer's `writer` field says: the model's name (a .gguf file's stem)."""
        return Path(self.model).stem if self.kind == "llamacpp" else self.model


def parse(value: str | None) -> LLMSpec | None:
    """None for the extractive default; a `WriterError` for a setting that cannot be used."""
    if value is None or value.strip().lower() in ("", "none", "extractive"):
        return None
    kind, _, rest = value.strip().partition(":")
    kind = kind.lower()
    if kind == "openai":
        m = _OPENAI.match(rest)
        if not m:
            raise WriterError(
                f"ASSISTANT_LLM={value!r}: write openai:<base_url>:<model>, "
                "e.g. openai:http://127.0.0.1:8080/v1:smollm2."
            )
        return LLMSpec("openai", m.group(2).strip(), m.group(1))
    if kind == "ollama" and rest.strip():
        return LLMSpec("ollama", rest.strip())
    if kind == "llamacpp" and rest.strip():
        path = Path(rest.strip()).expanduser()
        if not path.is_file():
            raise WriterError(f"ASSISTANT_LLM: there is no model file at {path}.")
        return LLMSpec("llamacpp", str(path))
    raise WriterError(f"ASSISTANT_LLM={value!r} is not understood; use {FORMS}.")


@lru_cache(maxsize=1)
def template() -> Any:
    """The packaged prompt as a LangChain ChatPromptTemplate."""
    from langchain_core.prompts import ChatPromptTemplate

    data = json.loads((resources.files("assistant") / "prompts" / "answer.json").read_text())
    return ChatPromptTemplate.from_messages([tuple(m) for m in data["messages"]])


def quotes_block(citations: Sequence[Citation]) -> str:
    """The quotes as numbered lines of data; nothing in them can close the delimiters."""
    lines = []
    for c in citations:
        text = " ".join(c.quote.split()).replace("<", "‹").replace(">", "›")
        lines.append(f"[{c.n}] {text}")
    return "\n".join(lines)


class Writer:
    """One configured language model; built on first use and kept."""

    def __init__(self, spec: LLMSpec, settings: Settings) -> None:
        self.spec = spec
        self.timeout = float(settings.llm_timeout)
        self.api_key = settings.llm_api_key
        self._model: Any = None

    @property
    def name(self) -> str:
        return self.spec.name

    def model(self) -> Any:
        if self._model is None:
            try:
                self._model = self._build()
            except ImportError as e:
                raise self._missing(e) from None
        return self._model

    def _missing(self, e: ImportError) -> WriterError:
        return WriterError(
            f"ASSISTANT_LLM={self.spec.kind}:… needs the optional packages (`make llm`, or "
            f"pip install '.[llm]'): {e.name or e} is missing."
        )

    def warm(self) -> None:
        """Build the chat model now (and load an in-process model's weights); a failure is
        left for the first answer to report."""
        try:
            model = self.model()
            if hasattr(model, "load"):
                model.load()
        except Exception:  # noqa: BLE001 - reported as a WriterError by stream()
            pass

    def _build(self) -> Any:
        s = self.spec
        if s.kind == "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(
                model=s.model,
                base_url=s.base_url,
                api_key=self.api_key or "not-needed",
                timeout=self.timeout,
                max_retries=0,
                temperature=0.0,
                max_completion_tokens=MAX_TOKENS,
            )
        if s.kind == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(
                model=s.model,
                temperature=0.0,
                num_predict=MAX_TOKENS,
                client_kwargs={"timeout": self.timeout},
            )
        from assistant.answer.llamacpp import LlamaCppChat

        return LlamaCppChat(model_path=s.model, max_tokens=MAX_TOKENS)

    def stream(self, question: str, citations: Sequence[Citation]) -> Iterator[str]:
        """The reply's text, piece by piece; a `WriterError` if it fails or runs late."""
        messages = template().format_messages(quotes=quotes_block(citations), question=question)
        deadline = time.monotonic() + self.timeout
        model = self.model()
        text = ""
        try:
            for chunk in model.stream(messages):
                if isinstance(chunk.content, str) and chunk.content:
                    text += chunk.content
                    yield chunk.content
                    if _looping(text):
                        break
                if time.monotonic() > deadline:
                    raise WriterError(
                        f"The language model took longer than {self.timeout:g} s "
                        "(ASSISTANT_LLM_TIMEOUT)."
                    )
        except WriterError:
            raise
        except ImportError as e:  # llama-cpp-python is imported when the model first loads
            raise self._missing(e) from None
        except Exception as e:  # any failure of an outside model or server, in one line
            if _caused_by(e, "Timeout"):
                raise WriterError(
                    f"The language model did not answer within {self.timeout:g} s "
                    "(ASSISTANT_LLM_TIMEOUT)."
                ) from None
            if _caused_by(e, "Connect"):
                where = self.spec.base_url or "the local Ollama server"
                raise WriterError(f"Cannot reach the language model at {where}.") from None
            raise WriterError(f"The language model {self.name!r} failed: {_one_line(e)}") from None


def make(settings: Settings) -> tuple[Writer | None, str]:
    """The configured writer (None for extractive answers) and the error that stopped it, if
    the setting is bad (the caller answers extractively and shows the error)."""
    try:
        spec = parse(settings.llm)
    except WriterError as e:
        return None, str(e)
    return (Writer(spec, settings), "") if spec else (None, "")


def _looping(text: str) -> bool:
    """A small model may repeat itself: stop once a finished line repeats an earlier one."""
    if not text.endswith("\n"):
        return False
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and lines[-1] in lines[:-1]


def _caused_by(e: BaseException | None, kind: str) -> bool:
    """Whether an error or its causes is of a kind ("Timeout", "Connect"), by class name, as
    each client library (openai, httpx, ollama) names its own."""
    while e is not None:
        if kind == "Connect" and isinstance(e, ConnectionError):
            return True
        if isinstance(e, TimeoutError) and kind == "Timeout":
            return True
        if any(kind in t.__name__ for t in type(e).__mro__):
            return True
        e = e.__cause__ or e.__context__
    return False


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    text = text if len(text) <= 200 else text[:197] + "…"
    return text if text.endswith((".", "!", "?", "…")) else text + "."
