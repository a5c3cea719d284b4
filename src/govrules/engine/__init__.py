"""The engine: facts → findings → score, and the result a unit gets."""
