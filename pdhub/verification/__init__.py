"""Verifying credentials: one at a time for anyone, in bulk for districts."""
