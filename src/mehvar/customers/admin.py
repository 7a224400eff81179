from django.contrib import admin

from mehvar.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "phone", "email", "city", "workspace", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["display_name", "phone", "email"]
    list_select_related = ["workspace"]
    raw_id_fields = ["workspace"]
    show_full_result_count = False
