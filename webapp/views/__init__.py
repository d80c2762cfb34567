"""One blueprint per area of the site; each view asks the read side (``archive/catalogue/``) and renders."""
