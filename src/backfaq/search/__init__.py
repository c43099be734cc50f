"""Search: ranks a store's entries for a query, and says whether the best one answers it.

``Index(store).search(query, limit=3, topic=None)`` is the whole interface;
``backfaq.search.index`` composes the parts, one module per job:
``documents`` (the entries' analysed text), ``postings`` (the entries holding
each stem), ``scoring`` (BM25F, synonyms, typos, phrase similarity) and
``pruning`` (MaxScore for large stores).
"""

from backfaq.search.index import Index, SearchResult
from backfaq.search.pruning import PRUNE_FROM

__all__ = ["PRUNE_FROM", "Index", "SearchResult"]
