"""The REST API (django-ninja): OpenAPI at /api/docs, token auth, jurisdiction-scoped."""
