"""Templates, views and static assets of the web UI (served locally, no CDN)."""
