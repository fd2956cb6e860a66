"""The deflate library the package inflates, deflates and checksums with (#16).

ISA-L's (the ``isal`` package, ``isal_zlib``: zlib's API and streams) where it is installed — its
inflate is ~2× and its CRC-32 several times the standard library's on sheet XML — else zlib. The
bytes are the same whichever library made or read them. ``ERROR``: what ``lib`` raises on a damaged
stream (ISA-L's is not a ``zlib.error``).
"""

from __future__ import annotations

import zlib
from types import ModuleType

lib: ModuleType
try:
    from isal import isal_zlib as lib
except ImportError:  # a platform without an isal wheel: the same streams from the standard library
    lib = zlib

ERROR: type[Exception] = lib.error
