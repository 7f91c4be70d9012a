"""Search stage: from a question to the evidence an answer is made from.

  query.py      reads the question (follow-ups, spelling, lay terms, the kind of answer asked)
  lexical.py    BM25 over passages, the corpus's vocabulary, list and "For example" links
  meaning.py    the query's vectors, and the words it has that the articles lack
  fusion.py     three ranked lists (dense passages, dense sentences, BM25) into candidates
  features.py   each candidate sentence's signals
  scoring.py    those signals into each sentence's probability of answering (fitted weights)
  retriever.py  runs the steps above in order
The result is an `Evidence` (assistant/types.py).
"""
