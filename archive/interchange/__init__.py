"""Formats other tools read and write: exports, citations, Dublin Core, OAI-PMH, OHMS, subtitles."""
