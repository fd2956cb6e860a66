"""Deflate a part once, as it is produced, and store the raw stream as it is (package.py).

Deflate level 1: on sheet XML it is 3× faster than level 6 for a ~25 % bigger member (measured on a
178 MB sheet: 0.6 s → 22 MB vs 2.0 s → 17 MB); Excel reads either.
"""

from __future__ import annotations

import zlib

COMPRESS_LEVEL = 1


def _gf2_times(mat: list[int], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine, which Python does not expose)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << i for i in range(31)]  # operator for one zero bit
    even = [_gf2_times(odd, odd[i]) for i in range(32)]  # two zero bits
    odd = [_gf2_times(even, even[i]) for i in range(32)]  # four zero bits
    while True:
        even = [_gf2_times(odd, odd[i]) for i in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = [_gf2_times(even, even[i]) for i in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


class Deflated:
    """One member's raw deflate stream with its CRC-32 and uncompressed size, ready to store as is."""

    __slots__ = ("data", "crc", "size")

    def __init__(self, data: bytes, crc: int, size: int) -> None:
        self.data, self.crc, self.size = data, crc, size

    def inflate(self) -> bytes:
        return zlib.decompress(self.data, -15)

    def prepend(self, head: bytes) -> Deflated:
        """``head`` + this content: a raw deflate block of ``head`` ended by a sync flush (byte aligned,
        not final) followed by this stream, which never refers back into ``head``: a valid stream."""
        c = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        raw = c.compress(head) + c.flush(zlib.Z_SYNC_FLUSH)
        return Deflated(
            raw + self.data, crc32_combine(zlib.crc32(head), self.crc, self.size), len(head) + self.size
        )


class Deflater:
    """Deflate a part as it is produced (write() bytes-like pieces in order, then finish())."""

    def __init__(self) -> None:
        self._c = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        self._out: list[bytes] = []
        self.crc = 0
        self.size = 0

    def write(self, piece: bytes | memoryview) -> None:
        if piece:
            self.crc = zlib.crc32(piece, self.crc)
            self.size += len(piece)
            out = self._c.compress(piece)
            if out:
                self._out.append(out)

    def finish(self) -> Deflated:
        self._out.append(self._c.flush())
        data = b"".join(self._out)
        self._out = []
        return Deflated(data, self.crc, self.size)
