"""Heuristics over ledger data: CoinJoin detection (clustering and change heuristics build on it)."""
