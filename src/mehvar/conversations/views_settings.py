"""The inbox settings pages under /w/<slug>/inbox/settings/: the landing page, channels (``channels.manage``),
the inbox settings and one's own presence. Teams and agents: ``views_settings_people``; SLA policies and
automation rules: ``views_settings_rules``. Views parse, call one service, render; the services check the
permission again and audit.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.channels import services as channel_services
from mehvar.channels.models import Channel, ChannelKind, InboundEvent
from mehvar.channels.webchat.visitors import public_id
from mehvar.conversations import setup_services
from mehvar.conversations.channel_forms import ChannelForm
from mehvar.conversations.forms_settings import InboxSettingsForm, PresenceForm
from mehvar.conversations.models import AgentProfile
from mehvar.conversations.routing_presence import agent_presence_set
from mehvar.conversations.services import inbox_settings
from mehvar.conversations.views_inbox import acting, field_errors, may
from mehvar.core.roles import Perm
from mehvar.core.tenancy import get_in_workspace, workspace_view

ROTATED = "mehvar.channel_secret_shown"


def slug(request: HttpRequest) -> str:
    return request.workspace.slug  # type: ignore[attr-defined]


def put_errors(form: object, error: ValidationError) -> None:
    """A service's errors on the inputs they name, the rest above the form."""
    for field, errors in field_errors(error).items():
        form.add_error(field if field in form.fields else None, errors)  # type: ignore[attr-defined]


@workspace_view(Perm.INBOX_MANAGE)
@require_GET
def settings_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "conversations/settings/home.html",
        {"may_channels": may(request, Perm.CHANNELS_MANAGE)},
    )


# --- channels -------------------------------------------------------------------------------------------
def hook_url(request: HttpRequest, channel: Channel) -> str:
    return request.build_absolute_uri(reverse("hooks:hook", args=[channel.kind, channel.pk]))


@workspace_view(Perm.CHANNELS_MANAGE)
@require_GET
def channels_list(request: HttpRequest) -> HttpResponse:
    channels = list(
        Channel.objects.filter(workspace=request.workspace)  # type: ignore[attr-defined]
        .annotate(
            last_event_at=Max("inbound_events__received_at"),
            failed_events=Count(
                "inbound_events", filter=Q(inbound_events__status=InboundEvent.Status.FAILED)
            ),
        )
        .order_by("kind", "name")
    )
    for channel in channels:
        channel.hook_url = hook_url(request, channel)  # type: ignore[attr-defined]
    return render(
        request, "conversations/settings/channels.html", {"channels": channels, "kinds": ChannelKind.choices}
    )


@workspace_view(Perm.CHANNELS_MANAGE)
@require_http_methods(["GET", "POST"])
def channel_create(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind not in ChannelKind.values:
        return render(request, "conversations/settings/channel_kind.html", {"kinds": ChannelKind.choices})
    form = ChannelForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            channel = channel_services.channel_create(
                workspace=request.workspace,  # type: ignore[attr-defined]
                acting=acting(request),
                kind=kind,
                name=form.cleaned_data["name"],
                config=form.config(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("“%(name)s” is connected.") % {"name": channel.name})
            return redirect("inbox:settings_channel", slug=slug(request), channel_id=channel.pk)
    return render(
        request,
        "conversations/settings/channel_form.html",
        {"form": form, "kind": kind, "kind_label": ChannelKind(kind).label, "channel": None},
    )


@workspace_view(Perm.CHANNELS_MANAGE)
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_in_workspace(Channel, request.workspace, pk=channel_id)  # type: ignore[attr-defined]
    form = ChannelForm(
        request.POST or None, kind=channel.kind, config=channel.config, initial={"name": channel.name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            channel_services.channel_update(
                channel=channel, acting=acting(request), name=form.cleaned_data["name"], config=form.config()
            )
        except ValidationError as error:
            channel.refresh_from_db()
            form.add_service_errors(error)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": channel.name})
            return redirect("inbox:settings_channel", slug=slug(request), channel_id=channel.pk)
    shown_secret = request.session.pop(ROTATED, None) == channel.pk
    stats = InboundEvent.objects.filter(workspace=request.workspace, channel=channel).aggregate(  # type: ignore[attr-defined]
        last=Max("received_at"), failed=Count("pk", filter=Q(status=InboundEvent.Status.FAILED))
    )
    context = {
        "form": form,
        "channel": channel,
        "kind": channel.kind,
        "kind_label": channel.get_kind_display(),
        "hook_url": hook_url(request, channel),
        "just_rotated": shown_secret,
        "stats": stats,
    }
    if channel.kind == ChannelKind.WEBCHAT:
        context["public_id"] = public_id(channel)
        context["site"] = request.build_absolute_uri("/").rstrip("/")
    return render(request, "conversations/settings/channel_form.html", context)


@workspace_view(Perm.CHANNELS_MANAGE)
@require_POST
def channel_toggle(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_in_workspace(Channel, request.workspace, pk=channel_id)  # type: ignore[attr-defined]
    try:
        channel_services.channel_update(channel=channel, acting=acting(request), enabled=not channel.enabled)
    except ValidationError:
        messages.error(request, _("Fix the channel's settings before turning it on."))
    else:
        if channel.enabled:
            messages.success(request, _("“%(name)s” is on.") % {"name": channel.name})
        else:
            messages.success(request, _("“%(name)s” is off.") % {"name": channel.name})
    return redirect("inbox:settings_channels", slug=slug(request))


@workspace_view(Perm.CHANNELS_MANAGE)
@require_POST
def channel_rotate(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_in_workspace(Channel, request.workspace, pk=channel_id)  # type: ignore[attr-defined]
    try:
        channel_services.channel_update(channel=channel, acting=acting(request), rotate_secret=True)
    except ValidationError:
        messages.error(request, _("Fix the channel's settings before changing its secret."))
    else:
        request.session[ROTATED] = channel.pk
        messages.success(
            request, _("The webhook secret was changed: give the provider the new one, shown below.")
        )
    return redirect("inbox:settings_channel", slug=slug(request), channel_id=channel.pk)


# --- inbox settings -------------------------------------------------------------------------------------
@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def inbox_settings_edit(request: HttpRequest) -> HttpResponse:
    current = inbox_settings(request.workspace)  # type: ignore[attr-defined]
    initial = {name: getattr(current, name) for name in setup_services.SETTINGS_FIELDS}
    form = InboxSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            setup_services.inbox_settings_update(acting=acting(request), **form.cleaned_data)
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("The inbox settings were saved."))
            return redirect("inbox:settings_inbox", slug=slug(request))
    return render(request, "conversations/settings/inbox_settings.html", {"form": form})


# --- my presence ----------------------------------------------------------------------------------------
@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_http_methods(["GET", "POST"])
def my_presence(request: HttpRequest) -> HttpResponse:
    """Any answering member going online, away or offline (offline hands their conversations over)."""
    me = acting(request)
    profile = AgentProfile.objects.filter(workspace=request.workspace, membership=me).first()  # type: ignore[attr-defined]
    current = profile.presence if profile else AgentProfile.Presence.OFFLINE
    form = PresenceForm(request.POST or None, initial={"presence": current})
    if request.method == "POST" and form.is_valid():
        try:
            result = agent_presence_set(membership=me, presence=form.cleaned_data["presence"], acting=me)
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, presence_message(result))
            back = request.POST.get("next") or ""
            if back.startswith(f"/w/{slug(request)}/inbox/"):
                return redirect(back)
            return redirect("inbox:my_presence", slug=slug(request))
    return render(
        request,
        "conversations/settings/presence.html",
        {"form": form, "current": current, "presences": AgentProfile.Presence.choices},
    )


def presence_message(result: object) -> str:
    label = AgentProfile.Presence(result.presence).label  # type: ignore[attr-defined]
    moved = result.reassigned + result.unassigned  # type: ignore[attr-defined]
    if moved:
        return _(
            "Presence: %(presence)s. %(reassigned)d conversations were handed to colleagues and "
            "%(unassigned)d went back to the queue."
        ) % {
            "presence": label,
            "reassigned": result.reassigned,  # type: ignore[attr-defined]
            "unassigned": result.unassigned,  # type: ignore[attr-defined]
        }
    return _("Presence: %(presence)s.") % {"presence": label}
