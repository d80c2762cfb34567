"""One blueprint per area of the site; each view asks ``archive.catalogue.pages`` and renders."""
