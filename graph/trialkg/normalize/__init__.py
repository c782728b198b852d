"""Reading what a parsed trial's words mean: entity links, MeSH pairings, criteria constraints, regimens."""
