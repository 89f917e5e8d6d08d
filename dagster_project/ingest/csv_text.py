"""CSV text: one encoding per file, and the line in the file where each record starts.

Both have a fast path for the ordinary file (valid UTF-8; one record per line, no blank lines)
that costs what reading cost before; the extra work is done only for the files that need it.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dagster_project.lib.contracts import ContractError

BOM = b"\xef\xbb\xbf"
# Bytes that are not UTF-8 come back from a surrogateescape decode as lone surrogates U+DC80–U+DCFF,
# which valid text never contains: a line holding one is a line that is not UTF-8.
_NOT_UTF8_LINE = re.compile("^[^\n]*?[\udc80-\udcff]", re.M)
# What Chinese forms are written in beyond ASCII: CJK ideographs and punctuation, full-width forms
_FORM = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef²³°·×—‘’“”…"
_FORM_CHAR = re.compile(f"[{_FORM}]")
_FORM_LINE = re.compile(f"[\x00-\x09\x0b-\x7f{_FORM}]*")  # nothing else: no byte that is not UTF-8


def decode(data: bytes, file: Path) -> str:
    return decode_csv(data, file)[0]


def decode_csv(data: bytes, file: Path) -> tuple[str, bytes, bool]:
    """The file's text, its UTF-8 bytes without BOM (a UTF-8 file's own bytes, not re-encoded), and
    whether those had to be transcoded (a GBK file)."""
    if not data or data.isspace():
        raise ContractError(file, "empty_file", "the file is empty (0 bytes or only whitespace)")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096]:
        # GB18030 would "decode" UTF-16 into nonsense; say what it is instead
        raise ContractError(file, "encoding", "UTF-16 (or binary) text; save the file as UTF-8 or GBK")
    try:
        return data.decode("utf-8-sig"), data.removeprefix(BOM), False
    except UnicodeDecodeError:
        pass  # a GBK file, or a broken one: only these pay for the check below
    _reject_mixed_encoding(data, file)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ContractError(file, "encoding", "neither UTF-8 nor GBK/GB18030") from None
    return text, text.encode("utf-8"), True


def _reject_mixed_encoding(data: bytes, file: Path) -> None:
    """A file that is UTF-8 in some lines and not in others (rows appended from another export, a
    hand edit saved as GBK) would decode as GB18030 into mojibake: reject it, naming the lines.

    Decided per line, exactly (strict UTF-8 per line), rather than by a guess over the whole file
    as charset-normalizer makes: only UTF-8 and GBK are accepted, so the only question is which
    lines are which."""
    text = data.decode("utf-8-sig", errors="surrogateescape")
    evidence = _first_utf8_line(text)
    if evidence is None:
        return
    bad = [m.start() for m in _NOT_UTF8_LINE.finditer(text)]
    shown = ", ".join(str(text.count("\n", 0, pos) + 1) for pos in bad[:5]) + (" …" if len(bad) > 5 else "")
    raise ContractError(file, "mixed_encoding", f"line {text.count(chr(10), 0, evidence) + 1} is UTF-8 "
                        f"but line(s) {shown} ({len(bad)} in all) are not: the file mixes encodings; re-save "
                        "the whole file in one encoding (UTF-8 or GBK) and send it again")


def _first_utf8_line(text: str) -> int | None:
    """Where the first line that is UTF-8 Chinese and cannot be GBK starts. Visits only the lines
    holding a CJK character (in a GBK file, decoded with surrogateescape, a few): the regex engine
    finds them at C speed."""
    pos = 0
    while m := _FORM_CHAR.search(text, pos):
        start, end = text.rfind("\n", 0, m.start()) + 1, text.find("\n", m.start())
        end = len(text) if end < 0 else end
        line = text[start:end]
        if _FORM_LINE.fullmatch(line) and _cannot_be_gbk(line):
            return start
        pos = end + 1
    return None


def _cannot_be_gbk(line: str) -> bool:
    """Whether a line that reads as UTF-8 Chinese cannot be GBK text. GBK bytes are valid UTF-8 by
    chance in about 1 line in 10,000 (a three-character name), and then mostly read as Armenian or
    Cyrillic, which _FORM_LINE leaves out; for the rest, the GB18030 reading of the same bytes
    must fail or leave GB2312 (the 6,763 common characters forms use), as UTF-8 read as GBK does."""
    try:
        as_gbk = line.encode("utf-8").decode("gb18030")
    except UnicodeDecodeError:
        return True
    try:
        as_gbk.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def physical_lines(text: str) -> list[str]:
    """Lines as a text editor and the CSV reader count them: split at LF, CRLF or a lone CR only
    (str.splitlines also splits at form feeds, U+2028 and others, which the CSV reader does not)."""
    return re.split(r"\r\n?|\n", text)


def data_row_lines(encoded: bytes, text: str, header_index: int, n_rows: int, file: Path) -> Sequence[int]:
    """1-based line number where each of the n_rows data records after the header (0-based line
    `header_index`) starts, as a text editor shows it: a newline inside a quoted field does not end
    a record, and blank lines are skipped as the CSV reader skips them."""
    if b'"' not in encoded and _line_count(encoded) - header_index - 1 == n_rows:
        return range(header_index + 2, header_index + 2 + n_rows)  # one line per record: the usual file
    lines = _lines_by_quote_parity(encoded, header_index)
    return lines if lines is not None else _lines_by_csv_module(text, header_index, file)


def _line_count(encoded: bytes) -> int:
    breaks = encoded.count(b"\n")
    if b"\r" in encoded:
        breaks += encoded.count(b"\r") - encoded.count(b"\r\n")
    return breaks + (not encoded.endswith((b"\n", b"\r")))


def _lines_by_quote_parity(encoded: bytes, header_index: int) -> np.ndarray | None:
    """Vectorised: a line break ends a record unless an odd number of quotes precede it (counted
    from the header on, where the CSV reader starts). Exact for standard quoting; None when a
    quote stands inside an unquoted field (x"y) or text follows a closing quote ("x"y)."""
    b = np.frombuffer(encoded, np.uint8)
    lf, cr = b == 10, b == 13
    cr[:-1] &= ~lf[1:]  # CRLF is one break, at its LF
    breaks = np.flatnonzero(lf | cr)
    start = int(breaks[header_index - 1]) + 1 if header_index else 0
    body, breaks = b[start:], breaks[breaks >= start] - start
    quotes = np.flatnonzero(body == 34)
    if quotes.size:
        opening, closing = quotes[0::2], quotes[1::2]
        before, after = body[np.maximum(opening - 1, 0)], body[np.minimum(closing + 1, body.size - 1)]
        separators = (44, 10, 13, 34)  # comma, line break, or the other quote of an escaped ""
        if not (np.isin(before, separators) | (opening == 0)).all() or \
                not (np.isin(after, separators) | (closing == body.size - 1)).all():
            return None
        breaks_ending = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
    else:
        breaks_ending = breaks
    starts = np.concatenate(([0], breaks_ending + 1))
    starts = starts[starts < body.size]
    starts = starts[~np.isin(body[starts], (10, 13))]  # a record that starts at a break is a blank line
    return header_index + 1 + np.searchsorted(breaks, starts[1:])  # [0] is the header


def _lines_by_csv_module(text: str, header_index: int, file: Path) -> np.ndarray:
    """The rare non-standard quoting: let Python's csv reader (which quotes as Arrow does) count
    the lines of each record. A loop per row, paid only by such files."""
    f = io.StringIO(text, newline="")
    for _ in range(header_index):
        f.readline()
    reader, lines, consumed = csv.reader(f), [], header_index
    try:
        for row in reader:
            if row:
                lines.append(consumed + 1)
            consumed = header_index + reader.line_num
    except csv.Error as exc:
        raise ContractError(file, "malformed_csv", str(exc)) from exc
    return np.array(lines[1:], dtype=np.int64)
