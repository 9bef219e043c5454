"""The REST API: one NinjaAPI; each app adds its router under /api/v1/."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="pollwatch API",
    version="1",
    urls_namespace="api",
    description="Read and write a mission's data. Every object is scoped to the caller's missions.",
)
