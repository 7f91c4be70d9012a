"""Search stage: from a question to the evidence an answer is made from.

  query.py      reads the question (follow-ups, spelling, lay terms, the kind of answer asked)
  meaning.py    the query's vectors, and the words it has that the articles lack
  fusion.py     three ranked lists (dense passages, dense sentences, BM25) into candidates
  features.py   each candidate sentence's signals
  scoring.py    those signals into each sentence's probability of answering (fitted weights)
  retriever.py  runs the steps above in order
BM25 and the vocabulary are the lexical index kept beside the index (store/lexical.py). The
result is an `Evidence` (assistant/types.py).
"""
