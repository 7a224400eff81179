"""Connecting and changing channels. Settings are validated by the channel's own typed schema."""

from typing import Any

import pydantic
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mehvar.channels.models import Channel, ChannelKind, new_secret
from mehvar.channels.registry import adapter_for
from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text

A = AuditEntry.Action
SECRET_WORDS = ("password", "token", "api_key", "secret")


def _require(acting: Membership, workspace: Workspace) -> None:
    from django.core.exceptions import PermissionDenied

    if acting.workspace_id != workspace.pk or not role_has(acting.role, Perm.CHANNELS_MANAGE):
        raise PermissionDenied


def config_errors(kind: str, config: Any) -> dict[str, str]:
    """Field → message for settings the channel's schema refuses (empty when they are valid)."""
    try:
        adapter_for(kind).config_schema.model_validate(config)
    except pydantic.ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "config"
            errors.setdefault(f"config.{where}", _("Invalid value: %(reason)s") % {"reason": item["msg"]})
        return errors
    return {}


def _clean(
    kind: str, name: str, config: Any, workspace: Workspace, exclude: int | None = None
) -> tuple[str, dict]:
    errors: dict[str, str] = {}
    name = normalize_text(name or "")[:120]
    if not name:
        errors["name"] = _("Give the channel a name.")
    elif Channel.objects.filter(workspace=workspace, name=name).exclude(pk=exclude).exists():
        errors["name"] = _("Another channel already has this name.")
    if not isinstance(config, dict):
        errors["config"] = _("Settings must be an object of names and values.")
    else:
        errors.update(config_errors(kind, config))
    if errors:
        raise ValidationError(errors)
    config = adapter_for(kind).config_schema.model_validate(config).model_dump(mode="json")
    return name, config


def public_config(channel: Channel) -> dict[str, Any]:
    """The settings with passwords, tokens and keys hidden."""
    return {
        key: ("••••" if value and any(word in key for word in SECRET_WORDS) else value)
        for key, value in channel.config.items()
    }


@transaction.atomic
def channel_create(
    *, workspace: Workspace, acting: Membership, kind: str, name: str, config: Any = None, via: str = "web"
) -> Channel:
    _require(acting, workspace)
    if kind not in ChannelKind.values:
        raise ValidationError({"kind": _("Unknown channel kind.")})
    name, clean = _clean(kind, name, config if config is not None else {}, workspace)
    channel = Channel.objects.create(workspace=workspace, kind=kind, name=name, config=clean)
    audit_record(
        workspace=workspace,
        actor=acting.user,
        action=A.CREATE,
        obj=channel,
        after={"kind": kind, "name": name, "config": public_config(channel)},
        via=via,
    )
    return channel


@transaction.atomic
def channel_update(
    *,
    channel: Channel,
    acting: Membership,
    name: str | None = None,
    config: dict[str, Any] | None = None,
    enabled: bool | None = None,
    rotate_secret: bool = False,
    via: str = "web",
) -> Channel:
    """Change a channel. ``config`` keys replace stored ones (a hidden secret sent back as is stays)."""
    _require(acting, channel.workspace)
    before = {"name": channel.name, "enabled": channel.enabled, "config": public_config(channel)}
    merged = dict(channel.config)
    if config is not None:
        if not isinstance(config, dict):
            raise ValidationError({"config": _("Settings must be an object of names and values.")})
        merged.update({key: value for key, value in config.items() if value != "••••"})
    channel.name, channel.config = _clean(
        channel.kind, channel.name if name is None else name, merged, channel.workspace, exclude=channel.pk
    )
    if enabled is not None:
        channel.enabled = enabled
    if rotate_secret:
        channel.secret = new_secret()
    channel.save()
    audit_record(
        workspace=channel.workspace,
        actor=acting.user,
        action=A.UPDATE,
        obj=channel,
        before=before,
        after={
            "name": channel.name,
            "enabled": channel.enabled,
            "config": public_config(channel),
            "secret_rotated": rotate_secret,
        },
        via=via,
    )
    return channel
