"""A feed's bytes put together from each event's serialized text, and its gzip encoding
compressed block by block, so that a change to one event costs a splice and the
recompression of one block instead of serializing and compressing the whole feed.

Pure: no database. A Rendering is immutable once built; `layout` packs what a later
splice needs (event ids, sort keys, lengths, block sizes) so any worker can continue
from the rendering stored in the database.
"""

import hashlib
import struct
import zlib
from array import array
from bisect import bisect_right
from dataclasses import dataclass

from tracker.calendar.ical import CALENDAR_END

# A gzip member (RFC 1952) with no name and mtime 0: the same input gives the same bytes.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# A final, empty, fixed-Huffman deflate block: what zlib writes to end a stream.
DEFLATE_END = b"\x03\x00"
LEVEL = 6
# An event ends a gzip block when its mixed id is 0 modulo this: blocks average 64 events
# (about 40 KB, a little over deflate's 32 KB window, so little compression is lost), and
# a block's bounds depend on the events in it, not on their positions, so inserting or
# removing an event touches one block only.
BLOCK_EVENTS = 64

Item = tuple[int, int, bytes]  # (sort key, event id, serialized text)


def ends_block(event_id: int) -> bool:
    return ((event_id * 2654435761) & 0xFFFFFFFF) % BLOCK_EVENTS == 0


def etag_of(body: bytes) -> str:
    """A strong validator over the exact bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _deflate(data: bytes) -> bytes:
    """Raw deflate ending on a byte boundary with no history: such pieces concatenate
    into one valid stream."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


@dataclass(frozen=True)
class Rendering:
    head: bytes
    ids: array  # event ids in feed order ("q")
    keys: array  # their sort keys: start in microseconds since the epoch ("q")
    lengths: array  # their serialized lengths in bytes ("q")
    blocks: array  # events in each gzip block ("q")
    block_gz: array  # compressed bytes of the head, each block, then the tail ("q")
    body: bytes
    gzip: bytes
    etag: str
    gzip_etag: str

    def layout(self) -> bytes:
        counts = struct.pack("<qqq", len(self.head), len(self.ids), len(self.blocks))
        return b"".join([counts, self.ids.tobytes(), self.keys.tobytes(),
                         self.lengths.tobytes(), self.blocks.tobytes(),
                         self.block_gz.tobytes()])

    def offsets(self) -> list[int]:
        """Where each event's text starts in the body."""
        found, at = [], len(self.head)
        for length in self.lengths:
            found.append(at)
            at += length
        return found


def from_stored(layout: bytes, body: bytes, gzip: bytes, etag: str,
                gzip_etag: str) -> Rendering:
    head_len, count, nblocks = struct.unpack_from("<qqq", layout)
    parts, at = [], 24
    for size in (count, count, count, nblocks, nblocks + 2):
        part = array("q")
        part.frombytes(layout[at:at + 8 * size])
        parts.append(part)
        at += 8 * size
    ids, keys, lengths, blocks, block_gz = parts
    return Rendering(body[:head_len], ids, keys, lengths, blocks, block_gz, body, gzip,
                     etag, gzip_etag)


def assemble(head: bytes, items: list[Item]) -> Rendering:
    """A whole rendering from items already in feed order."""
    return _build(head, items, reusable={})


def splice(old: Rendering, removed: set[int], fresh: list[Item]) -> Rendering:
    """`old` without the events in `removed`, with `fresh` (re-rendered or new events)
    put in their sorted places. Blocks that hold exactly the same events as before, none
    of them fresh, keep their compressed bytes."""
    offsets = old.offsets()
    kept: list[Item] = [
        (old.keys[n], old.ids[n], memoryview(old.body)[offsets[n]:offsets[n] + old.lengths[n]])
        for n in range(len(old.ids)) if old.ids[n] not in removed]
    order = [(key, event_id) for key, event_id, _ in kept]
    for item in sorted(fresh, reverse=True):
        at = bisect_right(order, item[:2])
        order.insert(at, item[:2])
        kept.insert(at, item)
    return _build(old.head, kept, reusable=_old_blocks(old))


def _old_blocks(old: Rendering) -> dict[tuple[int, int, int], memoryview]:
    """Compressed bytes of each old block, by (first id, last id, number of events)."""
    gz = memoryview(old.gzip)
    found, first, at = {}, 0, len(GZIP_HEADER) + old.block_gz[0]
    for n, size in enumerate(old.blocks):
        length = old.block_gz[n + 1]
        found[(old.ids[first], old.ids[first + size - 1], size)] = gz[at:at + length]
        first, at = first + size, at + length
    return found


def _blocks(items: list[Item]) -> list[list[Item]]:
    blocks, current = [], []
    for item in items:
        current.append(item)
        if ends_block(item[1]):
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _build(head: bytes, items: list[Item], reusable: dict) -> Rendering:
    body = b"".join([head, *(text for _, _, text in items), CALENDAR_END])
    pieces, sizes = [_deflate(head)], []
    for block in _blocks(items):
        sizes.append(len(block))
        old = None
        if all(isinstance(text, memoryview) for _, _, text in block):
            old = reusable.get((block[0][1], block[-1][1], len(block)))
        pieces.append(old if old is not None else
                      _deflate(b"".join(text for _, _, text in block)))
    pieces.append(_deflate(CALENDAR_END))
    trailer = struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)
    gzip = b"".join([GZIP_HEADER, *pieces, DEFLATE_END, trailer])
    return Rendering(
        head=head, ids=array("q", (i for _, i, _ in items)),
        keys=array("q", (k for k, _, _ in items)),
        lengths=array("q", (len(t) for _, _, t in items)), blocks=array("q", sizes),
        block_gz=array("q", (len(p) for p in pieces)), body=body, gzip=gzip,
        etag=etag_of(body), gzip_etag=etag_of(gzip))
