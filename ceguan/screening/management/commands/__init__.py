"""``ceguan screen``."""
