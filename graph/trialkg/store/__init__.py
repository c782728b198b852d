"""Where the graph lives: the Oxigraph store, the export files, loading into other stores, serving SPARQL."""
