"""One blueprint per area of the site; each view asks ``archive.catalogue`` and renders."""
