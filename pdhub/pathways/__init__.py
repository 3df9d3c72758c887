"""Pathways: modules that together earn a milestone credential."""
