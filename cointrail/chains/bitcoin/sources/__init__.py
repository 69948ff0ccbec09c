"""Sources of Bitcoin-family blocks: the interface (:mod:`.interface`), a node's JSON-RPC (:mod:`.rpc`), a node's
blk files (:mod:`.blkfiles`)."""
