"""Communities of practice: discussion spaces per module, per district and on topics."""
