"""The fast reader of a plain HTML table body (``read._html_body_fast``, issue 12's speed goal).

Each case is a body written by hand with the cells a reader must give (written out by hand, not
taken from a run); where the fast path reads it, lxml (:func:`html_rows`, the reference the fast
path must equal) is checked to give the same cells. Markup the fast path cannot read exactly
must make it step aside (return None), and :func:`read_table` then still reads the page by lxml.
"""

from __future__ import annotations

import pytest

from analysis import config
from analysis.intake.read import _html_body_fast, html_rows, read_table

HEADER = ("<tr><th>NIK</th><th>Nama</th><th>JK</th><th>Tgl Lahir</th><th>Desa/Kel</th>"
          "<th>Tanggal Pengukuran</th><th>Berat</th><th>Tinggi</th></tr>\n")


def _cells(df) -> list[list[str]]:
    return [list(r) for r in df.astype(str).itertuples(index=False)]


def _fast(body: bytes, encoding: str = "utf-8") -> list[list[str]] | None:
    df = _html_body_fast(body, encoding)
    return None if df is None else _cells(df)


def _lxml(body: bytes) -> list[list[str]]:
    return html_rows(b"<table>" + body + b"</table>")


@pytest.mark.parametrize("body, expected", [
    # entities, decoded as lxml does (a bare "&amp" too)
    (b"<tr><td>A &amp; B</td><td>&lt;5&gt;</td><td>&#39;x&#x41; &amp c</td></tr>",
     [["A & B", "<5>", "'xA & c"]]),
    # attributes on rows and cells (the NIK's Excel text format), unquoted ones too
    (b"<tr class='r'><td style=\"mso-number-format:'\\@'\">0012</td><td align=right>5</td></tr>",
     [["0012", "5"]]),
    # tags inside a cell are left out; their text stays
    (b"<tr><td><b>Siti</b> <i>Aminah</i></td><td>a<br>b<br/>c</td><td><span class=x>7</span></td>"
     b"</tr>", [["Siti Aminah", "abc", "7"]]),
    # tag names in any case
    (b"<TR><TD>a</TD><Td>b</tD></TR>\n<tr><TH>c</TH><td>d</td></tr>", [["a", "b"], ["c", "d"]]),
    # CRLF and CR in a cell read as LF (as lxml reads them); line breaks between tags dropped
    (b"<tr>\r\n<td>a\r\nb</td>\r\n<td>c\rd</td>\r\n</tr>\r\n", [["a\nb", "c\nd"]]),
    # spaces inside a cell are kept here (stripped later), spaces in closing tags are allowed
    (b"<tr><td>  a </td ><td\t>b</td></tr >", [["  a ", "b"]]),
    # a row without cells is all empty; it keeps its place
    (b"<tr><td>1</td><td>2</td></tr><tr></tr><tr><td>3</td><td>4</td></tr>",
     [["1", "2"], ["", ""], ["3", "4"]]),
    # table sections between rows, the end of the table and a footer after it
    (b"<tr><td>1</td></tr></tbody><tbody><tr><td>2</td></tr></table><p>Dicetak <b>2025</b></p>"
     b"</body></html>", [["1"], ["2"]]),
    # empty cells, and text between rows or cells (not in any cell) left out
    (b"<tr><td></td><td>x</td></tr> \n<tr><td>y</td> <td></td></tr>", [["", "x"], ["y", ""]]),
    # ">" as text, also beside attributes whose quotes are closed before the tag's ">"
    (b"<tr><td>BB > 2 SD</td><td>-&gt;</td><td>x >> y</td></tr>", [["BB > 2 SD", "->", "x >> y"]]),
    (b"<tr><td style=\"a:b\">BB > 2</td><td title='x\"y'>z > 1</td></tr>>",
     [["BB > 2", "z > 1"]]),
    # UTF-8 text
    (b"<tr><td>Jos\xc3\xa9</td><td>\xe2\x80\x93</td></tr>", [["Jos\u00e9", "\u2013"]]),
])
def test_fast_path_reads_plain_markup(body, expected):
    assert _fast(body) == expected
    assert [[c.strip() for c in r] for r in expected] == [
        r + [""] * (len(expected[0]) - len(r)) for r in _lxml(body)]


@pytest.mark.parametrize("body", [
    b"<tr><td>a</td><td/></tr>",                              # self-closing cell
    b"<tr><td COLSPAN=2>a</td></tr>",                         # a span, upper case
    b"<tr><td>a</td><td rowSpan='2'>b</td></tr><tr><td>c</td></tr>",  # a span, mixed case
    b"<tr><td>a < b</td></tr>",                               # "<" as text
    b"<tr><td title='a>b'>x</td></tr>",                       # ">" in a quoted attribute
    b"<tr><td>a > b</td><td title=\"a>b\">x</td></tr>",       # the same beside a text ">"
    b"<tr><td>a<!-- <td>b</td> --></td></tr>",                # a comment
    b"<tr><td><table><tr><td>in</td></tr></table></td></tr>",  # a nested table
    b"<tr><td>1</td></tr></table><table><tr><td>2</td></tr>",  # a second table
    b"<tr><b><td>x</td></b></tr>",                            # a tag in a row, outside cells
    b"<tr><td><script>var td = '<td>';</script></td></tr>",   # a script
    b"<tr><td>a</td><td>b</tr>",                              # a cell left unclosed
    b"<tr><td>a</td></tr><tr><td>b</td>",                     # a row left unclosed
    b"<tr><td>a\xff</td></tr>",                               # not UTF-8
])
def test_fast_path_steps_aside(body):
    assert _html_body_fast(body, "utf-8") is None


@pytest.mark.parametrize("body", [b"\n</table></body></html>\n", b"", b"   "])
def test_no_rows_in_body(body):
    df = _html_body_fast(body, "utf-8")
    assert df is not None and len(df) == 0


def test_body_offset_reads_from_there():
    page = b"<tr><td>head</td></tr><tr><td>a</td></tr>"
    assert _cells(_html_body_fast(page, "utf-8", len(b"<tr><td>head</td></tr>"))) == [["a"]]


def test_declared_encoding_is_used(tmp_path):
    # cp1252: 0xe9 is e-acute, 0x96 an en dash; the page says so in its meta tag.
    page = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'>"
            "</head><body><table>" + HEADER
            + "<tr><td>6474010503210001</td><td>Jos\u00e9 \u2013 A</td><td>L</td>"
              "<td>2021-03-05</td><td>Guntung</td><td>2025-02-10</td><td>14,2</td><td>94,5</td>"
              "</tr></table></body></html>").encode("cp1252")
    assert _fast(b"<tr><td>Jos\xe9</td></tr>", "cp1252") == [["Jos\u00e9"]]
    (tmp_path / "e").mkdir()
    p = tmp_path / "e" / "x.xls"
    p.write_bytes(page)
    t = read_table(p, config.sources()["eppgbm"], source="eppgbm")
    assert t.data.loc[0, "nama"] == "Jos\u00e9 \u2013 A"


@pytest.mark.parametrize("cell, expected", [
    ("<td><b>A</b>&nbsp;</td>", "A"),          # the fast path (no-break space stripped)
    ("<td>BB &gt; 2 &amp; BB > 3</td>", "BB > 2 & BB > 3"),  # the fast path, ">" as text
    ("<td>A < B</td>", "A < B"),              # "<" as text: lxml reads the page
    ("<td colspan='1'>A</td>", "A"),
])
def test_markup_left_to_lxml_still_reads(tmp_path, cell, expected):
    row = ("<tr><td>6474010503210001</td>" + cell + "<td>L</td><td>2021-03-05</td><td>Guntung</td>"
           "<td>2025-02-10</td><td>14,2</td><td>94,5</td></tr>")
    page = "<table>" + HEADER + row + "</table>"
    (tmp_path / "e").mkdir()
    p = tmp_path / "e" / "x.xls"
    p.write_text(page, encoding="utf-8")
    t = read_table(p, config.sources()["eppgbm"], source="eppgbm")
    assert t.rows_in == 1 and t.data.loc[0, "nama"] == expected


def test_fast_path_equals_lxml_on_random_plain_pages():
    # Differential check against lxml (an independent parser): 150 small pages mixing every
    # plain feature above (seeded, so a failure is reproducible).
    import random

    rng = random.Random(12)
    pieces = ["Siti", "0012", " ", "&amp;", "&lt;b&gt;", "&#39;", "&nbsp;", "a\r\nb", "c\rd",
              "<b>x</b>", "<br>", "<br/>", "<span class='c'>y</span>", "BB > 2", "Jos\u00e9",
              "<I>z</I>", ""]
    attrs = ["", " style=\"mso-number-format:'\\@'\"", " align=right", " CLASS='x'"]
    gaps = ["", " ", "\n", "\r\n"]
    row_gaps = [*gaps, "</tbody><tbody>"]

    def tag(name: str) -> str:
        return "".join(ch.upper() if rng.random() < 0.2 else ch for ch in name)

    for _ in range(150):
        width, rows = rng.randint(1, 4), rng.randint(1, 4)
        html = ""
        for _ in range(rows):
            if rng.random() < 0.1:
                html += "<tr></tr>" + rng.choice(row_gaps)
                continue
            html += "<" + tag("tr") + rng.choice(attrs) + ">"
            for _ in range(width):
                cell = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 3)))
                name = rng.choice(["td", "td", "th"])
                html += (rng.choice(gaps) + "<" + tag(name) + rng.choice(attrs) + ">" + cell
                         + "</" + tag(name) + ">")
            html += rng.choice(gaps) + "</" + tag("tr") + ">" + rng.choice(row_gaps)
        body = html.encode("utf-8")
        fast = _fast(body)
        assert fast is not None, body
        # Rows padded to the page's width, as read_html's lxml path pads them (a page of only
        # empty rows has one empty column from the fast path).
        slow = [r + [""] * (width - len(r)) for r in _lxml(body)]
        assert [[c.strip() for c in r] + [""] * (width - len(r)) for r in fast] == slow, body
