from django.contrib import admin

from collab.models import Openness, Report


@admin.register(Openness)
class OpennessAdmin(admin.ModelAdmin):
    list_display = ["researcher", "is_open", "monthly_capacity", "paused_until"]
    raw_id_fields = ["researcher"]
    filter_horizontal = ["topics"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "request", "reporter", "state", "created_at"]
    list_filter = ["state"]
    readonly_fields = ["reporter", "request", "message", "reason", "created_at"]
