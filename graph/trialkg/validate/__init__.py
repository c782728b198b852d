"""SHACL validation: the shipped shapes run by pySHACL (the reference) or compiled to Python checks (build speed)."""
