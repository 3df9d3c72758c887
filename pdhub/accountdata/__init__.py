"""A person's data: export (a ZIP of everything held about them), erasure and
retention (what a district keeps, and for how long)."""
