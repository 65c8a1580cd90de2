"""Recipes: `python -m tlviz.recipes.NAME` trains a shipped checkpoint or stores hub models."""
