"""District endorsements of module achievements (OB 3.0 EndorsementCredentials)."""
