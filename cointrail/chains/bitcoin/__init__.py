"""The Bitcoin family (Bitcoin, Litecoin, Dogecoin, Bitcoin Cash): wire codec, block verification and sources.

- :mod:`~cointrail.chains.bitcoin.model`: blocks, transactions, inputs and outputs as immutable values;
- :mod:`~cointrail.chains.bitcoin.rawblock`: the wire codec (parse and serialize blocks and transactions);
- :mod:`~cointrail.chains.bitcoin.columnar`, :mod:`~cointrail.chains.bitcoin.batch`: the compiled walk that reads
  a batch of raw blocks into columns, hashed by :mod:`~cointrail.chains.bitcoin.digests`;
- :mod:`~cointrail.chains.bitcoin.verify`: block verification in one place (txids, merkle roots, witness
  commitments, proof of work);
- :mod:`~cointrail.chains.bitcoin.sources`: where blocks come from (a node's JSON-RPC, its blk files).

Protocol facts shared with the other families (prefixes, networks, units) live in :mod:`cointrail.chains`.
"""
