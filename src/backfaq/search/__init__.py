"""Search: ranks a store's entries for a query, one module per job."""
