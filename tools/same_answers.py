"""Snapshot every answer through the contract, to prove a change left behaviour alone.

`python tools/same_answers.py OUT_DIR` ingests each labelled collection (the dev set's corpus
and tests/corpora/*) into a temporary index, asks all its questions with `ask --json -` (the
contract's batch mode, follow-ups included), and writes one JSON line per answer with the
timings removed. Run it before and after a refactor and compare the folders with `diff -r`:
identical files mean identical answers, byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
SETS = {
    "dev": (ROOT / "corpus", ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"),
    "dev-followups": (ROOT / "corpus", ROOT.parent / "shared" / "eval" / "dev_followups.jsonl"),
    **{
        p.name: (
            p / "corpus" if (p / "corpus").is_dir() else ROOT / "corpus",
            p / "questions.jsonl",
        )
        for p in sorted((ROOT / "tests" / "corpora").iterdir())
        if (p / "questions.jsonl").is_file()
    },
}


def lines(path: Path) -> list[str]:
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        row = json.loads(raw)
        question = row.get("q") or row.get("question")
        out.append(json.dumps({"question": question, "history": row.get("history") or []}))
    return out


def main() -> int:
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    for name, (corpus, questions) in SETS.items():
        if not questions.is_file():
            continue
        with tempfile.TemporaryDirectory() as db:
            env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_DB_DIR": db}
            env["HF_HUB_OFFLINE"] = "1"
            subprocess.run(
                [PY, "ingest.py", "--json"], cwd=ROOT, env=env, check=True, capture_output=True
            )
            run = subprocess.run(
                [PY, "-m", "assistant", "ask", "--json", "-"],
                cwd=ROOT,
                env=env,
                input="\n".join(lines(questions)) + "\n",
                capture_output=True,
                text=True,
                check=True,
            )
        answers = []
        for line in run.stdout.splitlines():
            answer = json.loads(line)
            answer.pop("timings_ms", None)
            answers.append(json.dumps(answer, ensure_ascii=False, sort_keys=True))
        (target / f"{name}.jsonl").write_text("\n".join(answers) + "\n", encoding="utf-8")
        print(f"{name}: {len(answers)} answers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
