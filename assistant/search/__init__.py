"""Search stage: from a question to the evidence an answer is made from.

`query.py` reads the question (follow-ups, spelling, lay terms, what kind of answer it asks
for); `lexical.py` holds BM25 and the corpus's vocabulary; `retriever.py` runs the dense and
lexical searches, fuses them and gathers each passage's sentences with their signals;
`scoring.py` turns those signals into each sentence's probability of answering (fitted
weights). The result is an `Evidence` (assistant/types.py).
"""
