"""The workspace's routes, one module per concept: cases and evidence, wallets, the graph, analyses, reports."""
