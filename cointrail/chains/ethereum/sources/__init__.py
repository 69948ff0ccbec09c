"""Where Ethereum data is read from: a node's JSON-RPC (:mod:`.rpc`)."""
