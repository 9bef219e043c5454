import codecs

import pytest

from pollwatch.lib.csvio import (
    ImportRejected,
    RowError,
    decode_csv_bytes,
    guess_encoding,
    normalise_header,
    read_csv,
    sniff_delimiter,
)

RUSSIAN = "код,название\n1001,Школа 5 города Бишкек\n1002,Лицей имени Пушкина\n"
FRENCH = "code,nom\n1001,École élémentaire du Château\n1002,Lycée Molière\n"


def rejected(data: bytes) -> list[RowError]:
    with pytest.raises(ImportRejected) as info:
        read_csv(data, required=["code"], optional=["name", "nom", "код", "название"])
    return info.value.errors


def test_utf8_bom_is_stripped():
    table = read_csv(codecs.BOM_UTF8 + b"code,name\nA1,One\n", required=["code", "name"])
    assert table.columns == ["code", "name"]
    assert table.rows == [(2, {"code": "A1", "name": "One"})]


def test_semicolon_delimiter_and_loose_header_names():
    table = read_csv(b" Code ;Registered Voters\nA1; 12 \n", required=["code", "registered_voters"])
    assert table.delimiter == ";"
    assert table.rows == [(2, {"code": "A1", "registered_voters": "12"})]


def test_rows_are_numbered_by_their_first_line_and_blank_rows_skipped():
    data = b'code,name\nA1,"two\nlines"\n\n,\nA2,x\n'
    table = read_csv(data, required=["code", "name"])
    assert [row for row, _values in table.rows] == [2, 6]


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        (RUSSIAN, "cp1251", "cp1251"),
        (RUSSIAN, "koi8_r", "KOI8-R"),
        (FRENCH, "latin-1", "latin-1"),
        (FRENCH + "“quoted” – €\n", "cp1252", "cp1252"),
        (RUSSIAN, "utf-16", "UTF-16"),
    ],
)
def test_guess_encoding(text, codec, expected):
    assert expected in (guess_encoding(text.encode(codec)) or "")


def test_cp1251_file_is_rejected_naming_the_encoding_and_the_first_bad_line():
    errors = rejected("code,name\nA1,Bishkek\nA2,Ош шаары\n".encode("cp1251"))
    assert len(errors) == 1
    assert errors[0].row == 3
    assert "not UTF-8" in errors[0].message
    assert "cp1251 (Cyrillic Windows)" in errors[0].message


def test_utf16_with_bom_is_rejected():
    errors = rejected("code\nA1\n".encode("utf-16"))
    assert "UTF-16" in errors[0].message


def test_ascii_only_file_decodes():
    assert decode_csv_bytes(b"code\nA1\n") == "code\nA1\n"


def test_header_problems_are_reported_together():
    errors = rejected(b"nom,nom,colour\n1,2,3\n")
    messages = [(e.row, e.column, e.message) for e in errors]
    assert (1, "code", "The required column 'code' is missing.") in messages
    assert any("appears twice" in m for _r, _c, m in messages)
    assert any(c == "colour" and "Unknown column" in m for _r, c, m in messages)


def test_empty_file():
    assert "empty" in rejected(b"")[0].message


def test_row_with_too_many_cells_is_an_error_kept_with_the_table():
    table = read_csv(b"code,name\nA1,x,extra\nA2,y\n", required=["code", "name"])
    assert [e.row for e in table.errors] == [2]
    assert [row for row, _v in table.rows] == [3]


def test_helpers():
    assert sniff_delimiter("a;b;c") == ";"
    assert sniff_delimiter("a,b;c,d") == ","
    assert normalise_header(" Area-Code ") == "area_code"
