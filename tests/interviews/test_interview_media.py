"""Serving recordings: Range requests, MIME type, caching, and the visibility rule (a withheld
recording is a 404 for anyone who may not see it); captions per language with their speakers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.interviews.conftest import INTERVIEW_ID, PERSON_FILE, PERSON_ID
from tests.support import import_into
from webapp import create_app

MEDIA = f"/media/{PERSON_ID}/{INTERVIEW_ID}/part-1"
CAPTIONS = f"/interviews/{PERSON_ID}/{INTERVIEW_ID}/captions/part-1"
WITHHELD_WORDS = ("This passage is withheld", "Этот отрывок закрыт")


def _app(home: Path, **config):  # type: ignore[no-untyped-def]
    return create_app({"ARCHIVE_HOME": str(home), "TESTING": True, **config})


@pytest.fixture(scope="module")
def restricted_home(generated_example: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with its recording restricted."""
    collection = tmp_path_factory.mktemp("restricted") / "collection"
    shutil.copytree(generated_example, collection)
    person = collection / PERSON_FILE
    text = person.read_text(encoding="utf-8")
    old = "          holder: Synthetic example (no rights holder; generated)\n"
    person.write_text(text.replace(old, old + "        visibility: {status: restricted, reason: synthetic}\n", 1),
                      encoding="utf-8")
    return import_into(tmp_path_factory.mktemp("restricted-home") / "home", collection)


def test_the_whole_file_with_its_type_and_caching(example_home: Path, generated_example: Path) -> None:
    audio = (generated_example / "media" / "synthetic-interview-1.wav").read_bytes()
    response = _app(example_home).test_client().get(MEDIA)
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert response.data == audio
    assert response.headers["Accept-Ranges"] == "bytes"
    assert int(response.headers["Content-Length"]) == len(audio)
    assert response.cache_control.public and response.cache_control.max_age > 0
    etag = response.headers["ETag"]
    again = _app(example_home).test_client().get(MEDIA, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data


def test_a_range_is_206_with_its_content_range(example_home: Path, generated_example: Path) -> None:
    audio = (generated_example / "media" / "synthetic-interview-1.wav").read_bytes()
    client = _app(example_home).test_client()
    part = client.get(MEDIA, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(audio)}"
    assert part.data == audio[100:1100]
    tail = client.get(MEDIA, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == audio[-50:]
    past = client.get(MEDIA, headers={"Range": f"bytes={len(audio) + 10}-"})
    assert past.status_code == 416
    assert past.headers["Content-Range"] == f"bytes */{len(audio)}"


def test_unknown_recordings_are_404(example_home: Path) -> None:
    client = _app(example_home).test_client()
    assert client.get(f"/media/{PERSON_ID}/{INTERVIEW_ID}/part-2").status_code == 404
    assert client.get(f"/media/{PERSON_ID}/no-such-interview/part-1").status_code == 404
    assert client.get(f"/media/{PERSON_ID}/{INTERVIEW_ID}/..%2Fpart-1").status_code == 404


@pytest.mark.slow
def test_a_withheld_recording_is_404_for_the_public_and_private_for_researchers(restricted_home: Path) -> None:
    public = _app(restricted_home).test_client()
    assert public.get(MEDIA).status_code == 404
    assert public.get(MEDIA, headers={"Range": "bytes=0-10"}).status_code == 404
    assert public.get(f"{CAPTIONS}/en.vtt").status_code == 404
    page = public.get(f"/interviews/{PERSON_ID}/{INTERVIEW_ID}").get_data(as_text=True)
    assert MEDIA not in page and "<audio" not in page
    researcher = _app(restricted_home, ARCHIVE_VIEWER="researcher").test_client().get(MEDIA)
    assert researcher.status_code == 200
    assert researcher.cache_control.private and researcher.cache_control.no_store


def test_captions_per_language_keep_speakers_and_leave_out_withheld_segments(example_home: Path) -> None:
    client = _app(example_home).test_client()
    english = client.get(f"{CAPTIONS}/en.vtt")
    assert english.mimetype == "text/vtt"
    text = english.get_data(as_text=True)
    assert text.startswith("WEBVTT")
    assert "<v Interviewer (synthetic)>Hello. This is a synthetic interview" in text
    assert "<v Narrator (synthetic)>I grew up in an invented village" in text
    russian = client.get(f"{CAPTIONS}/ru.vtt").get_data(as_text=True)
    assert "<v Narrator (synthetic)>Я выросла в выдуманном посёлке" in russian
    for words in WITHHELD_WORDS:
        assert words not in text and words not in russian
    assert client.get(f"{CAPTIONS}/de.vtt").status_code == 404
    subrip = client.get(f"{CAPTIONS}/en.srt")
    assert subrip.mimetype == "application/x-subrip"
    assert "Narrator (synthetic): I grew up in an invented village" in subrip.get_data(as_text=True)
    researcher = _app(example_home, ARCHIVE_VIEWER="researcher").test_client()
    assert WITHHELD_WORDS[0] in researcher.get(f"{CAPTIONS}/en.vtt").get_data(as_text=True)
