from django.contrib import admin

from pollwatch.findings.models import CoverageCall, Export, Release


@admin.register(CoverageCall)
class CoverageCallAdmin(admin.ModelAdmin):
    list_display = ("station", "form", "outcome", "called_by", "called_at")
    list_filter = ("mission", "outcome")
    raw_id_fields = ("station", "form", "called_by")


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("mission", "kind", "title", "released_by", "released_at")
    list_filter = ("mission", "kind")
    raw_id_fields = ("released_by",)


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ("form", "status", "rows_done", "rows_total", "requested_by", "created_at")
    list_filter = ("mission", "status")
    raw_id_fields = ("form", "requested_by")
