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
from itertools import accumulate

from tracker.calendar.ical import CALENDAR_END

# A gzip member (RFC 1952) with no name and mtime 0: the same input gives the same bytes.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# A final, empty, fixed-Huffman deflate block: what zlib writes to end a stream.
DEFLATE_END = b"\x03\x00"
LEVEL = 6
# An event ends a gzip block when the top 6 bits of its id's Fibonacci hash are 0: blocks
# average 64 events (about 40 KB, a little over deflate's 32 KB window, so little
# compression is lost), and a block's bounds depend on the events in it, not on their
# positions, so inserting or removing an event touches one block only.
BLOCK_BITS = 6

Item = tuple[int, int, bytes]  # (sort key, event id, serialized text)


def ends_block(event_id: int) -> bool:
    return ((event_id * 2654435761) & 0xFFFFFFFF) >> (32 - BLOCK_BITS) == 0


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


def from_stored(layout: bytes, gzip: bytes, etag: str, gzip_etag: str) -> Rendering:
    """A rendering from what the database keeps: the layout and the gzip bytes (the
    plain bytes are those decompressed, so they are not stored twice)."""
    body = zlib.decompress(gzip, wbits=31)
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
    parts = _Parts()
    parts.add_items(items)
    return parts.finish(head)


class _Parts:
    """The pieces of a rendering being put together, block by block."""

    def __init__(self) -> None:
        self.ids, self.keys, self.lengths = array("q"), array("q"), array("q")
        self.blocks, self.texts, self.deflated = array("q"), [], []

    def add_block(self, ids, keys, lengths, text, deflated) -> None:
        """An unchanged block: its slices of the old rendering, compressed bytes kept."""
        self.ids.extend(ids)
        self.keys.extend(keys)
        self.lengths.extend(lengths)
        self.blocks.append(len(ids))
        self.texts.append(text)
        self.deflated.append(deflated)

    def add_items(self, items: list[Item]) -> None:
        """Items to split into blocks and compress."""
        block: list[Item] = []
        for n, item in enumerate(items):
            block.append(item)
            if ends_block(item[1]) or n == len(items) - 1:
                text = b"".join(t for _, _, t in block)
                self.add_block([i for _, i, _ in block], [k for k, _, _ in block],
                               [len(t) for _, _, t in block], text, _deflate(text))
                block = []

    def finish(self, head: bytes) -> Rendering:
        body = b"".join([head, *self.texts, CALENDAR_END])
        pieces = [_deflate(head), *self.deflated, _deflate(CALENDAR_END)]
        trailer = struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)
        gzip = b"".join([GZIP_HEADER, *pieces, DEFLATE_END, trailer])
        return Rendering(head, self.ids, self.keys, self.lengths, self.blocks,
                         array("q", map(len, pieces)), body, gzip, etag_of(body),
                         etag_of(gzip))


def splice(old: Rendering, removed: set[int], fresh: list[Item]) -> Rendering:
    """`old` without the events in `removed`, with `fresh` (re-rendered or new events)
    put in their sorted places. Only the blocks these touch are put together and
    compressed again; the others are copied as they are."""
    n, nblocks = len(old.ids), len(old.blocks)
    starts = [0, *accumulate(old.blocks)]  # first event of each block, then n
    at = [*accumulate(old.lengths, initial=len(old.head))]  # byte offset of each event
    gz_at = [*accumulate(old.block_gz[1:-1], initial=len(GZIP_HEADER) + old.block_gz[0])]
    index = dict(zip(old.ids, range(n), strict=True))
    gone = {index[i] for i in removed if i in index}
    touched = set()
    for i in gone:
        block = bisect_right(starts, i) - 1
        touched.add(block)
        if ends_block(old.ids[i]) and block + 1 < nblocks:  # it closed its block
            touched.add(block + 1)
    arriving: dict[int, list[tuple[int, Item]]] = {}
    for item in fresh:
        p = _position(old, item)
        block = min(bisect_right(starts, p) - 1, nblocks - 1)
        touched.add(block)
        arriving.setdefault(block, []).append((p, item))
    body, gz = memoryview(old.body), memoryview(old.gzip)
    parts, run = _Parts(), []
    for block in range(nblocks):
        first, end = starts[block], starts[block + 1]
        if block in touched:
            run += [(p, (old.keys[p], old.ids[p], body[at[p]:at[p + 1]]))
                    for p in range(first, end) if p not in gone]
            run += arriving.get(block, [])
            continue
        if run:
            parts.add_items([item for _, item in sorted(run, key=_run_order)])
            run = []
        parts.add_block(old.ids[first:end], old.keys[first:end], old.lengths[first:end],
                        body[at[first]:at[end]], gz[gz_at[block]:gz_at[block + 1]])
    run += arriving.get(-1, [])  # an empty feed's first events
    parts.add_items([item for _, item in sorted(run, key=_run_order)])
    return parts.finish(old.head)


def _position(old: Rendering, item: Item) -> int:
    """Index of the first old event that sorts after `item`."""
    key, event_id, _ = item
    p = bisect_right(old.keys, key)
    while p > 0 and old.keys[p - 1] == key and old.ids[p - 1] > event_id:
        p -= 1
    return p


def _run_order(entry: tuple[int, Item]) -> tuple[int, int]:
    return entry[1][0], entry[1][1]
