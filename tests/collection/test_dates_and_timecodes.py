from datetime import date

import pytest

from archive.collection.dates import BadDate, parse_day, parse_period
from archive.collection.timecodes import BadTimecode, format_timecode, parse_timecode


@pytest.mark.parametrize(
    "text, start, end, decade",
    [
        ("1937", date(1937, 1, 1), date(1937, 12, 31), 1930),
        ("1937-02", date(1937, 2, 1), date(1937, 2, 28), 1930),
        ("1940-02", date(1940, 2, 1), date(1940, 2, 29), 1940),
        ("1937-08-05", date(1937, 8, 5), date(1937, 8, 5), 1930),
        ("196X", date(1960, 1, 1), date(1969, 12, 31), 1960),
        ("1937/1945", date(1937, 1, 1), date(1945, 12, 31), 1930),
        ("../1953", None, date(1953, 12, 31), 1950),
        ("1991/..", date(1991, 1, 1), None, 1990),
    ],
)
def test_periods(text, start, end, decade):
    period = parse_period(text)
    assert (period.start, period.end, period.decade) == (start, end, decade)


@pytest.mark.parametrize("text", ["37", "1937-13", "1937-02-30", "1945/1937", "yesterday", "../..", "1937-1-1"])
def test_bad_periods(text):
    with pytest.raises(BadDate):
        parse_period(text)


def test_day_needs_full_date():
    assert parse_day("2030-01-31") == date(2030, 1, 31)
    with pytest.raises(BadDate):
        parse_day("2030")


@pytest.mark.parametrize("text, seconds", [("00:00:00", 0), ("01:02:03", 3723), ("00:00:01.5", 1.5),
                                           ("10:00:00.250", 36000.25)])
def test_timecodes(text, seconds):
    assert parse_timecode(text) == seconds


@pytest.mark.parametrize("text", ["1:2:3", "00:60:00", "00:00:61", "00:00:01,500", "abc", ""])
def test_bad_timecodes(text):
    with pytest.raises(BadTimecode):
        parse_timecode(text)


def test_format_round_trip():
    for text in ("00:00:00", "01:02:03", "00:00:01.500"):
        assert format_timecode(parse_timecode(text)) == text


def test_timecodes_read_again_give_the_same_answer_and_the_memory_is_bounded(monkeypatch):
    from archive.collection import timecodes
    monkeypatch.setattr(timecodes, "_PARSED_LIMIT", 3)
    monkeypatch.setattr(timecodes, "_PARSED", {})
    texts = ["00:00:01", "00:00:02.5", "01:00:00", "00:00:03", " 00:00:04 "]
    first = [parse_timecode(t) for t in texts]
    assert first == [parse_timecode(t) for t in texts] == [1, 2.5, 3600, 3, 4]
    assert len(timecodes._PARSED) <= 3
    for bad in ("00:60:00", "00:60:00"):  # a bad one is refused every time, never remembered
        with pytest.raises(BadTimecode):
            parse_timecode(bad)
    assert "00:60:00" not in timecodes._PARSED
