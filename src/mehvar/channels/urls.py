from django.urls import path

from mehvar.channels import hooks

app_name = "hooks"
urlpatterns = [path("<slug:kind>/<int:channel_id>/", hooks.hook, name="hook")]
