"""Open Badges 3.0 credentials: build, sign, bake and verify them, offline."""
