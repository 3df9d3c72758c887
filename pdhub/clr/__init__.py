"""The teacher's verifiable transcript: a signed 1EdTech CLR 2.0 ClrCredential."""
