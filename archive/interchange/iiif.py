"""IIIF Presentation 3 manifest of an interview, so that IIIF AV viewers (Universal Viewer,
Clover, Aviary) can play it: one AV canvas per recording with its duration, the recording
as the canvas's painting annotation, the transcript in each language as WebVTT
supplementing annotations, the index points as ranges, the rights as ``rights`` and
``requiredStatement``.

Built from the interview page's read side (``archive.catalogue.interviews``), so only what
the viewer may see goes in: a withheld recording has no canvas, and the caption files it
names leave out withheld segments. A recording without a duration cannot be an AV canvas
and is left out. The manifest is a plain dict; the tests validate it with ``iiif-prezi3``.
See https://iiif.io/api/presentation/3.0/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archive.catalogue.interviews import InterviewPage, RecordingView

CONTEXT = "http://iiif.io/api/presentation/3/context.json"

# the URLs of the archive's own resources: (page, recording local id, language) -> absolute URL
Urls = Callable[..., str]


def _texts(texts: dict[str, str]) -> dict[str, list[str]]:
    """A multilingual field as a IIIF language map."""
    return {lang: [text] for lang, text in texts.items() if text}


def _entry(label: str, value: str | None) -> dict[str, Any] | None:
    return {"label": {"en": [label]}, "value": {"none": [value]}} if value else None


def _body(recording: RecordingView, media_url: str) -> dict[str, Any]:
    kind = "Video" if recording.is_video else "Sound"
    return {"id": media_url, "type": kind, "format": recording.mime_type, "duration": recording.duration}


def interview_manifest(page: InterviewPage, manifest_url: str, media_url: Callable[[RecordingView], str],
                       captions_url: Callable[[RecordingView, str], str], page_url: str) -> dict[str, Any]:
    """The manifest of ``page`` at ``manifest_url``; ``media_url`` and ``captions_url`` give the
    absolute URLs of a recording's file and of its WebVTT captions in a language."""
    base = manifest_url.rsplit("/", 1)[0]
    label = _texts(page.title) or {"none": [f"{page.person_name}: {page.local_id}"]}
    canvases: list[dict[str, Any]] = []
    canvas_ids: dict[str, str] = {}
    for recording in page.recordings:
        if recording.duration is None or recording.duration <= 0:
            continue
        canvas_id = f"{base}/canvas/{recording.local_id}"
        canvas_ids[recording.local_id] = canvas_id
        canvas: dict[str, Any] = {
            "id": canvas_id, "type": "Canvas", "label": {"none": [recording.local_id]},
            "duration": recording.duration,
            "items": [{
                "id": f"{canvas_id}/page", "type": "AnnotationPage",
                "items": [{
                    "id": f"{canvas_id}/page/recording", "type": "Annotation", "motivation": "painting",
                    "body": _body(recording, media_url(recording)), "target": canvas_id,
                }],
            }],
        }
        languages = [lang for lang in page.languages
                     if any(s.text.get(lang) and s.recording in (recording.local_id, None) for s in page.segments)]
        if languages:
            canvas["annotations"] = [{
                "id": f"{canvas_id}/captions", "type": "AnnotationPage",
                "items": [{
                    "id": f"{canvas_id}/captions/{lang}", "type": "Annotation", "motivation": "supplementing",
                    "body": {"id": captions_url(recording, lang), "type": "Text", "format": "text/vtt",
                             "language": lang, "label": {"en": [f"Transcript ({lang})"]}},
                    "target": canvas_id,
                } for lang in languages],
            }]
        canvases.append(canvas)
    manifest: dict[str, Any] = {
        "@context": CONTEXT, "id": manifest_url, "type": "Manifest", "label": label,
        "metadata": [entry for entry in (
            _entry("Person", page.person_name), _entry("Date", page.date), _entry("Place", page.place),
            _entry("Interviewer", page.interviewer), _entry("Language", page.language),
        ) if entry],
        "homepage": [{"id": page_url, "type": "Text", "label": label, "format": "text/html"}],
        "items": canvases,
    }
    rights = next((r for r in page.recordings if r.rights_uri and r.local_id in canvas_ids), None)
    if rights is not None:
        manifest["rights"] = rights.rights_uri
        if rights.rights_holder:
            manifest["requiredStatement"] = {"label": {"en": ["Rights holder"]},
                                             "value": {"none": [rights.rights_holder]}}
    ranges = []
    only = next(iter(canvas_ids.values())) if len(canvas_ids) == 1 else None
    points = [p for p in page.index_points
              if (p.recording and p.recording in canvas_ids) or (p.recording is None and only)]
    for n, point in enumerate(points):
        target = canvas_ids[point.recording] if point.recording else only
        assert target is not None
        following = [p.start for p in points[n + 1:] if p.recording == point.recording]
        duration = next(c["duration"] for c in canvases if c["id"] == target)
        end = following[0] if following else duration
        item: dict[str, Any] = {"id": f"{base}/range/{point.position}", "type": "Range", "label": _texts(point.title),
                                "items": [{"id": f"{target}#t={point.start:g},{end:g}", "type": "Canvas"}]}
        if point.synopsis:
            item["summary"] = _texts(point.synopsis)
        ranges.append(item)
    if ranges:
        manifest["structures"] = [{"id": f"{base}/range/contents", "type": "Range",
                                   "label": {"en": ["Contents"], "ru": ["Содержание"]}, "items": ranges}]
    return manifest
