"""Half-finished split of shared/formatting.py into a package (no __init__.py yet).

Python never imports this file: `shared/formatting.py` beside the folder takes
the name `shared.formatting`, so `shared.formatting.currency` does not exist.
"""

from __future__ import annotations

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def symbol_for(currency: str) -> str:
    return CURRENCY_SYMBOLS.get(currency, currency)
