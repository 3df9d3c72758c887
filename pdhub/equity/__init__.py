"""The district's digital equity work: team, self-assessment cycles and plan."""
