"""The ledger: Bitcoin-family chain data, parsed, verified and stored."""
