"""Renderers of scan results: JSON (the stable contract) and text (for people)."""
