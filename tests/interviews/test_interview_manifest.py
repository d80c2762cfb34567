"""The IIIF Presentation 3 manifest of an interview, validated by iiif-prezi3: an AV canvas per
recording with its duration, the recording painted on it, the transcripts as WebVTT
supplementing annotations, the index points as ranges, the rights; nothing withheld in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.interviews.conftest import INTERVIEW_ID, PERSON_ID
from webapp import create_app

URL = f"/interviews/{PERSON_ID}/{INTERVIEW_ID}/manifest.json"
BASE = "http://localhost"


def _manifest(home: Path, **config: str) -> dict:
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, **config})
    response = app.test_client().get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    return json.loads(response.get_data(as_text=True))



def _validate(data: dict) -> None:
    """iiif-prezi3 validates every resource against the Presentation 3 model (imported here: it is
    slow to import, and every test process would pay for it at collection)."""
    from iiif_prezi3 import Manifest

    Manifest(**data)

@pytest.mark.slow
def test_the_manifest_validates_and_holds_the_interview(example_home: Path) -> None:
    data = _manifest(example_home)
    _validate(data)
    assert data["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert data["id"] == BASE + URL
    assert data["label"]["ru"] == ["Синтетическое интервью о выдуманном посёлке"]
    [canvas] = data["items"]
    assert canvas["duration"] == 36
    [painting] = canvas["items"][0]["items"]
    assert painting["motivation"] == "painting"
    assert painting["body"] == {"id": f"{BASE}/media/{PERSON_ID}/{INTERVIEW_ID}/part-1", "type": "Sound",
                                "format": "audio/wav", "duration": 36}
    captions = canvas["annotations"][0]["items"]
    assert {c["body"]["language"] for c in captions} == {"ru", "en"}
    assert all(c["motivation"] == "supplementing" and c["body"]["format"] == "text/vtt" for c in captions)
    assert data["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert data["requiredStatement"]["value"]["none"] == ["Synthetic example (no rights holder; generated)"]
    ranges = data["structures"][0]["items"]
    assert [r["label"]["en"] for r in ranges] == [["Introduction"], ["The garden"], ["Closing"]]
    assert ranges[1]["items"][0]["id"] == f"{canvas['id']}#t=12.5,30.5"
    assert ranges[2]["items"][0]["id"] == f"{canvas['id']}#t=30.5,36"


def test_the_captions_it_names_are_served(example_home: Path) -> None:
    data = _manifest(example_home)
    client = create_app({"ARCHIVE_HOME": str(example_home), "TESTING": True}).test_client()
    for annotation in data["items"][0]["annotations"][0]["items"]:
        response = client.get(annotation["body"]["id"].removeprefix(BASE))
        assert response.status_code == 200 and response.get_data(as_text=True).startswith("WEBVTT")
        assert "This passage is withheld" not in response.get_data(as_text=True)


@pytest.mark.slow
def test_a_withheld_recording_has_no_canvas(example_collection: Path, tmp_path: Path) -> None:
    from tests.interviews.conftest import PERSON_FILE
    from tests.support import import_into

    person = example_collection / PERSON_FILE
    old = "          holder: Synthetic example (no rights holder; generated)\n"
    person.write_text(person.read_text(encoding="utf-8").replace(
        old, old + "        visibility: {status: restricted, reason: synthetic}\n", 1), encoding="utf-8")
    home = import_into(tmp_path / "home", example_collection)
    data = _manifest(home)
    _validate(data)
    assert data["items"] == [] and "rights" not in data and "structures" not in data
    assert "media/" not in json.dumps(data)
    assert len(_manifest(home, ARCHIVE_VIEWER="researcher")["items"]) == 1
