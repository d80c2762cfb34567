"""The read side: what each page and export shows, for a given viewer."""
