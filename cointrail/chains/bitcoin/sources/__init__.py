"""Sources of Bitcoin-family data.

Block sources, which send whole blocks: the interface (:mod:`.interface`), a node's JSON-RPC (:mod:`.rpc`), a
node's blk files (:mod:`.blkfiles`). Light sources, servers that index a chain and answer per address: the
interface (:mod:`.light`), an Electrum server (:mod:`.electrum`), an Esplora explorer (:mod:`.esplora`), with what
they share: the proofs of what they send (:mod:`.proving`), their archive and its offline replay (:mod:`.archive`),
sockets through a SOCKS5h proxy (:mod:`.wire`) and request pacing (:mod:`.pacing`).
"""
