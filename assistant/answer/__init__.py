"""Answer stage: from evidence to a quoted answer or an honest refusal.

`answerability.py` decides answer or refuse (one fitted logistic regression); `compose.py`
picks the quotes and writes the answer or the refusal; the optional language model rewrites
an answer from its quotes (`writer.py`, `llamacpp.py`), and `grounding.py` keeps only the
sentences the quotes support.
"""
