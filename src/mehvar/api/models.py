"""What the API keeps between requests: the first answer to each idempotent POST."""

from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` of one token on one method and path, kept for a day.

    ``status`` is null while the first request is still running (a duplicate then gets 409); once it has
    answered, the status, content type and body are kept and replayed to a retry with the same body.
    """

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey("accounts.ApiToken", on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    key = models.CharField(max_length=255)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    response_body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "token", "method", "path", "key"], name="idempotency_unique_key"
            )
        ]
        indexes = [models.Index(fields=["workspace", "created_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
