"""Inbound webhooks: /hooks/<kind>/<channel id>/.

The view checks the channel's secret through its adapter (a wrong or missing secret: 403 with nothing
stored; an unknown or disabled channel: 404), stores the raw request as an ``InboundEvent`` before anything
else, asks for its channel to be drained after the commit and answers at once. Parsing, customer resolution
and the conversation happen in the drain task (``mehvar.conversations.inbound_drain``: the channel's waiting
events in batches, ADR 9), which is retried and idempotent.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mehvar.channels.base import HookRequest
from mehvar.channels.models import Channel, InboundEvent
from mehvar.channels.registry import adapter_for

HOOK_MAX_BYTES_DEFAULT = 40 * 1024 * 1024


def _problem(status: int, title: str) -> JsonResponse:
    return JsonResponse(
        {"title": title, "status": status}, status=status, content_type="application/problem+json"
    )


@csrf_exempt
@require_POST
def hook(request: HttpRequest, kind: str, channel_id: int) -> HttpResponse:
    channel = Channel.objects.filter(pk=channel_id, kind=kind, enabled=True).first()
    if channel is None:
        return _problem(404, "Not found")
    limit = getattr(settings, "HOOK_MAX_BYTES", HOOK_MAX_BYTES_DEFAULT)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > limit:
        return _problem(413, "The payload is too large.")
    adapter = adapter_for(channel.kind)
    # Read the stream ourselves: request.body refuses anything over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), and
    # a forwarded e-mail with its attachments is often bigger. Our own limit applies instead.
    body = request.read(limit + 1)
    if len(body) > limit:
        return _problem(413, "The payload is too large.")
    kept = {name: request.headers[name] for name in adapter.headers_kept if name in request.headers}
    incoming = HookRequest(
        body=body,
        content_type=request.META.get("CONTENT_TYPE", ""),  # with its parameters (charset, boundary)
        headers=kept,
        query={key: request.GET[key] for key in request.GET},
    )
    if not adapter.verify(channel, incoming):
        return _problem(403, "The webhook secret is missing or wrong.")
    # The secret is checked, never stored: not as ?secret=, not in a header.
    query = {key: value for key, value in incoming.query.items() if key != "secret"}
    kept = {name: value for name, value in kept.items() if name not in adapter.secret_headers}
    event = InboundEvent.objects.create(
        workspace_id=channel.workspace_id,
        channel=channel,
        content_type=incoming.content_type[:200],  # the boundary of a multipart body included
        headers=kept,
        query=query,
        body=body,
    )
    from mehvar.conversations.inbound_drain import inbound_drain_request

    inbound_drain_request(channel=channel)
    status, content, content_type = adapter.hook_reply(channel, event)
    return HttpResponse(content, status=status, content_type=content_type)
