"""Ingest: keeping the index in step with the corpus folder.

`indexing.py` syncs the index with the folder (incremental, crash-safe through the store's
manifest); `articles.py` adds and removes one article (uploads from the page and the API);
`fetch.py` saves a web page into the folder (`ingest.py --url`); `watch.py` re-syncs when the
folder changes (`ingest.py --watch`).
"""
