from django.contrib import admin

from pollwatch.checklists.models import Form, FormVersion


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    fields = ("number", "version", "uploaded_at", "uploaded_by", "content_hash")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "kind", "mission", "current_version")
    list_filter = ("kind", "mission")
    search_fields = ("code", "title")
    readonly_fields = ("uuid", "created_at")
    raw_id_fields = ("mission", "current_version")
    inlines = [FormVersionInline]


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin):
    """Versions are frozen: every report points at one, so nothing here is editable."""

    list_display = ("form", "number", "version", "uploaded_at", "uploaded_by")
    list_filter = ("form__mission",)
    readonly_fields = (
        "uuid",
        "form",
        "number",
        "version",
        "spec",
        "xform",
        "source_name",
        "content_hash",
        "uploaded_by",
        "uploaded_at",
    )
    exclude = ("source",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
