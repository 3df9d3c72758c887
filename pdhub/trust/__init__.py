"""Issuer trust lists: which issuers a verifier's verdict may name as trusted."""
