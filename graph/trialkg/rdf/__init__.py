"""The graph's shape: IRIs, the ontology's terms, how an enriched trial becomes triples and is read back."""
