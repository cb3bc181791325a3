"""The API object and its routers."""

from ninja import NinjaAPI

api = NinjaAPI(title="Ceguan API", version="1", urls_namespace="api")
