"""Deflate a part once, as it is produced, and store the raw stream as it is (package.py).

The deflate is ISA-L's (the ``isal`` package, ``isal_zlib``: zlib's API and streams) at its level 1
where it is installed, else the standard library's zlib at level 1. Measured on the 100k workbook's
sheet XML (CPU s, 105 MB / 120 MB parts): zlib level 6 2.30 / 1.53 s → 14.3 / 12.6 MB; zlib level 1
0.54 / 0.52 s → 19.6 / 16.4 MB; ISA-L level 1 0.16 / 0.11 s → 18.5 / 15.6 MB (#16). Excel, WPS and
LibreOffice read any raw deflate stream; the bytes inside are the same whichever compressed them.
Inflating a source member (``inflate``) and CRC-32 use it too (its CRC-32 is several times faster).
"""

from __future__ import annotations

import queue
import threading
import zlib

from .._zlib import ERROR
from .._zlib import lib as _zlib

COMPRESS_LEVEL = 1
BACKEND = _zlib.__name__  # what compresses: "isal.isal_zlib" or "zlib" (bench/ prints it)


def compressobj(level: int = COMPRESS_LEVEL) -> zlib._Compress:
    """A raw-deflate compressor (wbits -15); ISA-L's for its levels 0–3, zlib's for any other."""
    lib = _zlib if level <= 3 else zlib
    return lib.compressobj(level, lib.DEFLATED, -15)  # type: ignore[no-any-return]


def crc32(data: bytes | memoryview, value: int = 0) -> int:
    return _zlib.crc32(data, value)  # type: ignore[no-any-return]


def decompressobj() -> zlib._Decompress:
    """A raw-deflate decompressor (ISA-L's where installed): the verification inflates what we wrote."""
    return _zlib.decompressobj(-15)  # type: ignore[no-any-return]


def inflate(raw: bytes | memoryview, size: int) -> bytes:
    """A raw deflate stream of ``size`` bytes uncompressed, inflated (ValueError when it is not)."""
    try:
        out = _zlib.decompress(raw, -15, max(size, 1))
    except ERROR as exc:
        raise ValueError(f"bad deflate stream: {exc}") from exc
    if len(out) != size:
        raise ValueError(f"inflated to {len(out)} bytes, the directory says {size}")
    return out  # type: ignore[no-any-return]


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
        return inflate(self.data, self.size)

    def prepend(self, head: bytes) -> Deflated:
        """``head`` + this content: a raw deflate block of ``head`` ended by a sync flush (byte aligned,
        not final) followed by this stream, which never refers back into ``head``: a valid stream."""
        c = compressobj()
        raw = c.compress(head) + c.flush(zlib.Z_SYNC_FLUSH)
        return Deflated(
            raw + self.data, crc32_combine(crc32(head), self.crc, self.size), len(head) + self.size
        )


class Deflater:
    """Deflate a part as it is produced (write() bytes-like pieces in order, then finish()).

    ``background=True``: pieces are handed, in batches of about 1 MB, to one worker thread that
    deflates them while the caller goes on producing the next ones (zlib releases the GIL while it
    compresses). One compressor, pieces in order: the bytes are the same as without the thread. The
    caller must ``finish()`` or ``close()`` it (``with`` does the latter)."""

    _BATCH = 1 << 20
    _AHEAD = 8  # batches queued at most: the producer waits rather than holding the part twice

    def __init__(self, *, background: bool = False) -> None:
        self._c = compressobj()
        self._out: list[bytes] = []
        self.crc = 0
        self.size = 0
        self._batch: list[bytes | memoryview] = []
        self._batch_len = 0
        self._queue: queue.Queue[list[bytes | memoryview] | None] | None = (
            queue.Queue(self._AHEAD) if background else None
        )
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, piece: bytes | memoryview) -> None:
        if not len(piece):
            return
        if self._queue is None:
            self._compress(piece)
            return
        self._batch.append(piece)
        self._batch_len += len(piece)
        if self._batch_len >= self._BATCH:
            self._hand_over()

    def _compress(self, data: bytes | memoryview) -> None:
        self.crc = crc32(data, self.crc)
        self.size += len(data)
        out = self._c.compress(data)
        if out:
            self._out.append(out)

    def _hand_over(self) -> None:
        batch, self._batch, self._batch_len = self._batch, [], 0
        if not batch or self._queue is None:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="deflate", daemon=True)
            self._thread.start()
        self._queue.put(batch)

    def _work(self) -> None:
        assert self._queue is not None
        while (batch := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._compress(batch[0] if len(batch) == 1 else b"".join(batch))
                except BaseException as exc:  # re-raised by finish() in the caller's thread
                    self._error = exc

    def close(self) -> None:
        """Stop the worker (after what it was handed); nothing is flushed."""
        if self._thread is not None:
            assert self._queue is not None
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Deflater:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def finish(self) -> Deflated:
        self._hand_over()
        self.close()
        if self._error is not None:
            raise self._error
        self._out.append(self._c.flush())
        data = b"".join(self._out)
        self._out = []
        return Deflated(data, self.crc, self.size)
