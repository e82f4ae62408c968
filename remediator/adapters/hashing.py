"""blake2b, the digest behind every cache key and checksum, without importing `hashlib`.

`hashlib` loads OpenSSL on import (a few milliseconds, which a warm one-file
check notices); blake2b itself lives in CPython's built-in `_blake2`.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

__all__ = ["blake2b"]
