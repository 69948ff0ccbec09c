"""Ingest: fill a store from a source of blocks (source → verify → columns → store).

:func:`cointrail.ingest.pipeline.ingest` reads a source (:mod:`cointrail.chains.bitcoin.sources`), turns each
batch of raw blocks into verified columns (:mod:`cointrail.chains.bitcoin.batch`,
:mod:`cointrail.chains.bitcoin.verify`) and writes them (:mod:`cointrail.store.duckdb`), resuming where it stopped.
"""
