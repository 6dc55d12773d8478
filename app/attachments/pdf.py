"""Whether a PDF carries active content: scripts, actions run on opening or on events,
launched programs, embedded files, forms that submit or import data. Such a PDF is refused
rather than rewritten: we do not parse PDFs, and refusing cannot leave half a script behind.

Names are compared after their `#xx` escapes are decoded (`/J#61vaScript` is `/JavaScript`).
Dictionaries can also hide in compressed object streams: when a file has some, its Flate
streams are inflated (a bounded amount in all) and read too, and a file whose object streams
are encrypted or encoded otherwise cannot be checked, so it is refused. Pure and synchronous:
it runs in a worker thread with the image work.
"""

import re
import zlib
from collections.abc import Iterator

# What ends a name (PDF 32000-1, 7.2.2): white-space and delimiters.
_DELIMITERS = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
_END = rb"(?=[" + _DELIMITERS + rb"])"
_REFERENCE = rb"\d+\s+\d+\s+R"
# Active names, and what must follow one for it to count. A long name counts wherever it is;
# a short key only with a value of its type after it (compressed data is full of `/AA`).
_ACTIVE: dict[bytes, bytes] = {
    b"JavaScript": b"",
    b"Launch": b"",
    b"EmbeddedFile": b"",
    b"EmbeddedFiles": b"",
    b"RichMedia": b"",
    b"SubmitForm": b"",
    b"ImportData": b"",
    b"GoToE": b"",
    # `/OpenAction [page /Fit]` only shows a page (LaTeX writes it); any other value acts.
    b"OpenAction": rb"(?!\s*\[)",
    b"JS": rb"(?=\s*(?:\((?=[ -~\s]{8})|<[0-9A-Fa-f]|" + _REFERENCE + b"))",
    b"AA": rb"(?=\s*(?:<<|" + _REFERENCE + b"))",  # additional actions: run on events
    b"XFA": rb"(?=\s*(?:\[|" + _REFERENCE + b"))",
}
# Object streams, and what hides their content from the reading above.
_HIDING: dict[bytes, bytes] = dict.fromkeys(
    b"ObjStm Encrypt Crypt ASCIIHexDecode ASCII85Decode LZWDecode RunLengthDecode".split(),
    b"",
)
_ESCAPED_NAME = re.compile(rb"/([^" + _DELIMITERS + rb"]*#[^" + _DELIMITERS + rb"]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# An escaped name longer than this does not decode to one of ours.
_LONGEST = 3 * max(len(name) for name in (*_ACTIVE, *_HIDING)) + 1
_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_PIECE = 1 << 16  # compressed bytes fed at a time
_CHUNK = 1 << 20  # inflated bytes read at a time
_MAX_INFLATED = 256 << 20  # in all: a zip bomb stops here

ACTIVE_CONTENT = (
    "PDFs with scripts, automatic actions, embedded files or form submission are not accepted."
)
UNCHECKABLE = "The PDF could not be checked; save it again as a plain PDF."


class _Names:
    def __init__(self, names: dict[bytes, bytes]) -> None:
        self._plain = re.compile(b"|".join(b"/" + n + _END + after for n, after in names.items()))
        self._after = {name: re.compile(_END + after) for name, after in names.items()}

    def found(self, blob: bytes) -> Iterator[bytes]:
        """The names in `blob`, spelled plainly or with escapes, followed as required."""
        for match in self._plain.finditer(blob):
            yield match[0][1:]
        for match in _ESCAPED_NAME.finditer(blob):
            if len(match[0]) > _LONGEST:
                continue
            name = _ESCAPE.sub(lambda escape: bytes([int(escape[1], 16)]), match[1])
            after = self._after.get(name)
            if after is not None and after.match(blob, match.end()):
                yield name


_ACTIVE_NAMES = _Names(_ACTIVE)
_HIDING_NAMES = _Names(_HIDING)


def _inflated(data: memoryview) -> Iterator[bytes]:
    """The zlib stream at the start of `data`, inflated a chunk at a time (zlib.error when
    it is not one); it ends where zlib says, whatever `/Length` claims."""
    inflater = zlib.decompressobj()
    for offset in range(0, len(data), _PIECE):
        pending: bytes | memoryview = data[offset : offset + _PIECE]
        while pending and not inflater.eof:
            yield inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
        if inflater.eof:
            return


def _streams_are_active(data: bytes) -> bool | None:
    """Whether an inflated stream holds an active name; None past the inflating budget."""
    budget = _MAX_INFLATED
    view = memoryview(data)
    for stream in _STREAM.finditer(data):
        tail = b""  # the end of the previous chunk, for a name split between two
        try:
            for chunk in _inflated(view[stream.end() :]):
                budget -= len(chunk)
                if budget < 0:
                    return None
                window = tail + chunk
                if any(_ACTIVE_NAMES.found(window)):
                    return True
                tail = window[-_LONGEST:]
        except zlib.error:
            continue  # not Flate data (an image, a font encoded otherwise)
    return False


def refusal(data: bytes) -> str | None:
    """Why this PDF is refused, or None to accept it as it is."""
    if any(_ACTIVE_NAMES.found(data)):
        return ACTIVE_CONTENT
    hiding = set(_HIDING_NAMES.found(data))
    if b"ObjStm" not in hiding:
        return None
    if len(hiding) > 1:
        return UNCHECKABLE
    active = _streams_are_active(data)
    if active is None:
        return UNCHECKABLE
    return ACTIVE_CONTENT if active else None
