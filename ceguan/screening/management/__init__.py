"""Management commands of the screening app (``ceguan screen``)."""
