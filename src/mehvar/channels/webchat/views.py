"""The web chat's public JSON endpoints under /chat/<public id>/, and the preview page.

No login and no CSRF token (the widget runs on the business's site, another origin); instead:
* the channel is named by its public id (unknown, forged or disabled: 404);
* a browser's ``Origin`` must be one of the channel's ``allowed_origins`` or this server's own (else 403,
  without CORS headers, so the browser hides the answer); allowed origins get CORS headers, preflight
  included (``OPTIONS``);
* everything about a visitor needs their signed token (``X-Visitor-Token``);
* errors are problem+json naming the field, in Persian unless ``?lang=en``.
"""

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import pydantic
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from mehvar.api.problems import FieldError, problem_response
from mehvar.api.validation import django_field_errors, pydantic_field_errors
from mehvar.channels.models import Channel
from mehvar.channels.webchat import selectors, services, visitors
from mehvar.channels.webchat.schemas import MessageIn, SessionIn, WebchatConfig
from mehvar.channels.webchat.widget_settings import widget_settings

TOKEN_HEADER = "X-Visitor-Token"
BODY_MAX_BYTES = 16 * 1024
POLL_SECONDS = 2

ChatView = Callable[[HttpRequest, Channel, WebchatConfig], HttpResponse]


def _language(request: HttpRequest) -> str:
    return "en" if request.GET.get("lang") == "en" else "fa"


def _origin_allowed(origin: str, config: WebchatConfig, request: HttpRequest) -> bool:
    if origin == f"{request.scheme}://{request.get_host()}".lower():
        return True
    scheme, _sep, host = origin.partition("://")
    for allowed in config.allowed_origins:
        if allowed == origin:
            return True
        if allowed.startswith(f"{scheme}://*."):
            suffix = allowed.split("://*.", 1)[1]
            if host.endswith("." + suffix):
                return True
    return False


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Expose-Headers"] = "Retry-After"
    response["Vary"] = "Origin"
    return response


def _invalid(errors: list[FieldError]) -> HttpResponse:
    return problem_response(422, errors=errors)


def chat_endpoint(*methods: str) -> Callable[[ChatView], Callable[..., HttpResponse]]:
    """Resolve the channel, check the origin, answer preflights, speak the asked language, add CORS."""

    def decorate(view: ChatView) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, public_id: str) -> HttpResponse:
            origin = request.headers.get("Origin", "").lower()
            with translation.override(_language(request)):
                channel = visitors.channel_by_public_id(public_id)
                if channel is None:
                    return _cors(problem_response(404), "")
                try:
                    config = WebchatConfig.model_validate(channel.config)
                except pydantic.ValidationError:
                    return problem_response(404)  # a channel saved without valid settings is not live
                if origin and not _origin_allowed(origin, config, request):
                    response = problem_response(
                        403,
                        type_slug="origin-not-allowed",
                        detail=_("This site may not use this chat: add it to the channel's allowed sites."),
                    )
                    response["Vary"] = "Origin"
                    return response
                if request.method == "OPTIONS":
                    response = HttpResponse(status=204)
                    response["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
                    response["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}"
                    response["Access-Control-Max-Age"] = "7200"
                    return _cors(response, origin)
                if request.method not in methods:
                    response = problem_response(405)
                    response["Allow"] = ", ".join((*methods, "OPTIONS"))
                    return _cors(response, origin)
                response = view(request, channel, config)
                response["Content-Language"] = translation.get_language() or "fa"
                response["Cache-Control"] = "no-store"
                return _cors(response, origin)

        return wrapper

    return decorate


def _visitor(request: HttpRequest, channel: Channel) -> str | None:
    return visitors.visitor_from_token(channel, request.headers.get(TOKEN_HEADER, ""))


def _expired() -> HttpResponse:
    return problem_response(
        401,
        type_slug="visitor-token",
        detail=_("This chat session is not valid any more. Reload the page to start again."),
    )


def _throttled(error: services.Throttled) -> HttpResponse:
    return problem_response(
        429,
        detail=_("You are sending messages too fast. Wait a minute and try again."),
        headers={"Retry-After": str(error.retry_after)},
    )


def _body(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > BODY_MAX_BYTES:
        return problem_response(413, detail=_("The message is too large."))
    try:
        return services.parse_body(request.body)
    except ValidationError as error:
        return _invalid(django_field_errors(error))


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


@chat_endpoint("POST")
def session(request: HttpRequest, channel: Channel, config: WebchatConfig) -> HttpResponse:
    """Open the widget: the returning visitor keeps their id (valid token), anyone else gets a new one."""
    data = _body(request)
    if isinstance(data, HttpResponse):
        return data
    try:
        SessionIn.model_validate(data)
    except pydantic.ValidationError as error:
        return _invalid(pydantic_field_errors(error.errors()))
    visitor = _visitor(request, channel)
    new = visitor is None
    if visitor is None:
        try:
            services.session_throttle(channel=channel, address=_address(request))
        except services.Throttled as error:
            return _throttled(error)
        visitor = visitors.visitor_new()
    return JsonResponse(
        {
            "visitor": visitor,
            "token": visitors.visitor_token(channel, visitor),
            "new": new,
            "contact_known": not new and selectors.visitor_contact_known(channel=channel, visitor=visitor),
            "poll_seconds": POLL_SECONDS,
            **widget_settings(channel, config),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _send(request: HttpRequest, channel: Channel, visitor: str) -> HttpResponse:
    data = _body(request)
    if isinstance(data, HttpResponse):
        return data
    try:
        payload = MessageIn.model_validate(data)
    except pydantic.ValidationError as error:
        return _invalid(pydantic_field_errors(error.errors()))
    headers = {"Origin": request.headers.get("Origin", "")[:200]}
    headers["User-Agent"] = request.headers.get("User-Agent", "")[:300]
    try:
        posted = services.visitor_message_post(
            channel=channel,
            visitor=visitor,
            payload=payload,
            body=request.body,
            headers=headers,
            address=_address(request),
        )
    except ValidationError as error:
        return _invalid(django_field_errors(error))
    except services.Throttled as error:
        return _throttled(error)
    if posted.message is None:
        return JsonResponse({"message": None, "accepted": True}, status=202)
    return JsonResponse(
        {"message": selectors.message_json(posted.message, visitor), "created": posted.created},
        status=201 if posted.created else 200,
        json_dumps_params={"ensure_ascii": False},
    )


def _poll(request: HttpRequest, channel: Channel, visitor: str) -> HttpResponse:
    since: dt.datetime | None = None
    if raw := request.GET.get("since", ""):
        try:
            since = dt.datetime.fromisoformat(raw)
            if since.tzinfo is None:
                raise ValueError
        except ValueError:
            return _invalid(
                [FieldError(field="since", code="invalid", message=_("Enter a valid date and time."))]
            )
    cursor = timezone.now()
    found = selectors.visitor_messages(channel=channel, visitor=visitor, since=since)
    return JsonResponse(
        {"messages": found, "cursor": cursor.isoformat()}, json_dumps_params={"ensure_ascii": False}
    )


@chat_endpoint("GET", "POST")
def messages(request: HttpRequest, channel: Channel, config: WebchatConfig) -> HttpResponse:
    """GET: the visitor's messages (all, or since a cursor); POST: a new message from the visitor."""
    visitor = _visitor(request, channel)
    if visitor is None:
        return _expired()
    if request.method == "POST":
        return _send(request, channel, visitor)
    return _poll(request, channel, visitor)


def _preview(request: HttpRequest, channel: Channel) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        return render(
            request,
            "webchat/demo_site.html",
            {
                "public_id": visitors.public_id(channel),
                "chat_language": language,
                "shop_name": channel.workspace.name,
                "other_language": "fa" if language == "en" else "en",
            },
        )


@require_GET
def preview(request: HttpRequest, public_id: str) -> HttpResponse:
    """A sample shop page with the widget embedded, as a business's site would have it."""
    channel = visitors.channel_by_public_id(public_id)
    if channel is None:
        raise Http404
    return _preview(request, channel)


@require_GET
def demo_site(request: HttpRequest) -> HttpResponse:
    """The demo workspace's web chat on the sample shop page (``make demo``); 404 without the demo."""
    from mehvar.demo.services import demo_workspace

    workspace = demo_workspace()
    channel = (
        Channel.objects.filter(workspace=workspace, kind="webchat", enabled=True).order_by("pk").first()
        if workspace is not None
        else None
    )
    if channel is None:
        raise Http404
    return _preview(request, channel)
