"""Badges from elsewhere: OB 3.0 credentials other issuers gave a teacher, checked by
our verifier and kept beside the badges earned here."""
