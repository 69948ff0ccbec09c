"""The account-model chain family: Ethereum and the EVM chains (issue 16), Tron's address codec beside it.

The same module names as :mod:`cointrail.chains.bitcoin`: ``rlp`` (the wire codec), ``hashes`` and ``verify``
(transaction hashes and block hashes recomputed), ``model`` (immutable values), ``traces`` (internal value
transfers from both trace styles), ``tokens`` (the curated token list and its events), ``sources/`` (JSON-RPC).
"""
