"""A channel's settings form, generated from its adapter's typed config (``adapter_for(kind).config_schema``).

Each schema field becomes one input: a choice list for ``Literal``, a checkbox for ``bool``, a number box for
``int``/``float`` (Persian digits accepted), a text area (one value a line) for lists, a text box otherwise;
a nested model (the SMS gateway's ``fields``) becomes one input per sub-field, named ``fields__receptor``.
Passwords, tokens and keys are password inputs that never show the stored value: left empty (or "••••")
they keep it. The form only converts what was typed; ``channels.services`` validates with the schema and its
errors, keyed ``config.<field>``, are put back on the input they name (``add_service_errors``).
"""

import types
import typing
from typing import Any

import pydantic
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mehvar.channels.registry import adapter_for
from mehvar.channels.services import SECRET_WORDS
from mehvar.core.forms import PersianIntegerField
from mehvar.core.text import normalize_text, to_ascii_digits

HIDDEN = "••••"
SEP = "__"
# Labels for the settings most channels have; any other field is labelled by its name.
LABELS = {
    "address": _("E-mail address"),
    "display_name": _("Sender name"),
    "transport": _("Send through"),
    "base_url": _("Gateway address"),
    "api_key": _("API key"),
    "sender": _("Sender line"),
    "bot_token": _("Bot token"),
    "title": _("Title"),
    "welcome_text": _("Welcome text"),
    "welcome_text_en": _("Welcome text (English)"),
    "color": _("Colour"),
    "allowed_origins": _("Sites allowed to embed the chat"),
    "ask_contact": _("Ask for contact details"),
    "number": _("Phone number"),
    "outbound_url": _("Outbound address"),
    "timeout_seconds": _("Timeout (seconds)"),
    "api_base_url": _("Bot API address"),
    "proxy_url": _("Proxy address"),
    "api_key_header": _("Header that carries the API key"),
    "body_format": _("Body format"),
    "receptor_format": _("How the recipient number is written"),
    "send_path": _("Send path"),
    "message_id_path": _("Where the answer carries the message id"),
    "error_code_path": _("Where the answer carries the error code"),
    "error_message_path": _("Where the answer carries the error text"),
    "transient_codes": _("Error codes worth retrying"),
    "delivered_statuses": _("Statuses that mean delivered"),
    "undelivered_statuses": _("Statuses that mean not delivered"),
    "max_parts": _("Longest message (SMS parts)"),
    "fields": _("Field names the gateway uses"),
    "fields__receptor": _("Field name: recipient"),
    "fields__message": _("Field name: text"),
    "fields__sender": _("Field name: sender line"),
    "fields__client_id": _("Field name: client message id"),
    "smtp_host": _("SMTP server"),
    "smtp_port": _("SMTP port"),
    "smtp_security": _("SMTP security"),
    "smtp_user": _("SMTP user name"),
    "smtp_password": _("SMTP password"),
    "smtp_timeout": _("SMTP timeout (seconds)"),
    "imap_host": _("IMAP server (to fetch mail)"),
    "imap_port": _("IMAP port"),
    "imap_security": _("IMAP security"),
    "imap_user": _("IMAP user name"),
    "imap_password": _("IMAP password"),
    "imap_folder": _("IMAP folder"),
    "messages_per_minute": _("Most messages a visitor may send a minute"),
}
# How the fixed choices of the settings read.
CHOICE_LABELS = {
    "smtp": _("An SMTP server"),
    "platform": _("Mehvar's own mail"),
    "none": _("None"),
    "starttls": "STARTTLS",
    "tls": "TLS",
    "json": "JSON",
    "form": _("Form fields"),
    "national": _("National (09121234567)"),
    "international": _("International (989121234567)"),
    "e164": "E.164 (+989121234567)",
    "off": _("Do not ask"),
    "optional": _("Ask, optional"),
    "required": _("Ask, required"),
}


def is_secret(name: str) -> bool:
    return any(word in name for word in SECRET_WORDS)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type without None, whether None is allowed)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else str), True
    return annotation, False


PROSE = frozenset({"title", "welcome_text", "welcome_text_en", "display_name"})


class AsciiText(forms.CharField):
    """Addresses, numbers, keys: typed Persian digits become ASCII (a sender line ۱۰۰۰۵۵۵ → 1000555)."""

    def to_python(self, value: Any) -> str:
        return to_ascii_digits(super().to_python(value) or "").strip()


class FloatText(forms.CharField):
    """A decimal number typed with any digits (۱۰٫۵, 10.5)."""

    def to_python(self, value: Any) -> float | None:
        text = to_ascii_digits(normalize_text(super().to_python(value) or "")).replace("٫", ".")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise ValidationError(_("Enter a number, for example 10 or 2.5."), code="invalid") from None


class ListText(forms.CharField):
    """A list, one value a line (commas also separate); ints when the schema wants ints."""

    def __init__(self, *, item: Any, **kwargs: Any) -> None:
        self.item = item
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "dir": "ltr"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(map(str, value)) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[Any]:
        text = to_ascii_digits(super().to_python(value) or "")
        items = [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]
        if self.item is int:
            if not all(item.lstrip("-").isdigit() for item in items):
                raise ValidationError(_("Write whole numbers, one a line."), code="invalid")
            return [int(item) for item in items]
        return items


def _form_field(path: str, info: Any, editing: bool) -> forms.Field:
    name = path.rpartition(SEP)[2]
    kind, _optional = _unwrap(info.annotation)
    label = LABELS.get(path) or LABELS.get(name, name.replace("_", " "))
    # The schemas' descriptions are English notes for developers; pages show the translated labels only.
    options: dict[str, Any] = {"label": label, "required": False}
    if typing.get_origin(kind) is typing.Literal:
        choices = [(v, CHOICE_LABELS.get(v, v)) for v in typing.get_args(kind)]
        return forms.ChoiceField(choices=choices, **options)
    if kind is bool:
        return forms.BooleanField(**options)
    if kind is int:
        return PersianIntegerField(**options)
    if kind is float:
        return FloatText(widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "decimal"}), **options)
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind) or (str,)
        return ListText(item=item, **options)
    if is_secret(name):
        if editing:
            options["help_text"] = _("Leave empty to keep the current value.")
        return forms.CharField(
            widget=forms.PasswordInput(
                render_value=False,
                attrs={
                    "dir": "ltr",
                    "autocomplete": "new-password",
                    "placeholder": HIDDEN if editing else "",
                },
            ),
            **options,
        )
    if name in PROSE:
        return forms.CharField(**options)
    return AsciiText(widget=forms.TextInput(attrs={"dir": "ltr"}), **options)


def _walk(schema: type[pydantic.BaseModel], prefix: str = "") -> list[tuple[str, Any]]:
    """(form field name, pydantic field info) for every leaf of the schema."""
    leaves = []
    for name, info in schema.model_fields.items():
        kind, _optional = _unwrap(info.annotation)
        if isinstance(kind, type) and issubclass(kind, pydantic.BaseModel):
            leaves.extend(_walk(kind, f"{prefix}{name}{SEP}"))
        else:
            leaves.append((f"{prefix}{name}", info))
    return leaves


class ChannelForm(forms.Form):
    """A channel's name and its kind's settings."""

    name = forms.CharField(label=_("Name"), max_length=120)

    def __init__(self, *args: Any, kind: str, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.kind = kind
        self.editing = config is not None
        super().__init__(*args, **kwargs)
        initial = self.initial
        self.leaves = dict(_walk(adapter_for(kind).config_schema))
        for path, info in self.leaves.items():
            value = _lookup(config, path) if config is not None else _default(info)
            self.fields[path] = _form_field(path, info, self.editing and bool(value))
            if value is not None and not is_secret(path):
                initial.setdefault(path, str(value) if not isinstance(value, bool | list | int) else value)

    def setting_fields(self) -> list[Any]:
        return [self[path] for path in self.leaves]

    def config(self) -> dict[str, Any]:
        """The typed values as the schema wants them: empty (an empty list too) means "the default" (or,
        for a secret being edited, "keep"); a required field left empty is left out so that the schema
        names it."""
        config: dict[str, Any] = {}
        for path, info in self.leaves.items():
            value = self.cleaned_data.get(path)
            if value in (None, "", []) or value == HIDDEN:
                if is_secret(path) and self.editing:
                    value = HIDDEN
                elif info.is_required():
                    continue
                else:
                    value = info.get_default(call_default_factory=True)
                    value = value.unicode_string() if hasattr(value, "unicode_string") else value
            node = config
            *parents, leaf = path.split(SEP)
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = value
        return config

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's errors (``name``, ``config.<field>``, ``config.fields.<sub>``) on the inputs."""
        for key, messages in error.message_dict.items():
            path = key.removeprefix("config.").replace(".", SEP) if key.startswith("config.") else key
            field = path if path in self.fields else None
            if field is None and SEP in path:  # e.g. config.transient_codes.0: the list as a whole
                head = path.rpartition(SEP)[0]
                field = head if head in self.fields else None
            for message in messages:
                self.add_error(field, message)


def _lookup(config: dict[str, Any], path: str) -> Any:
    node: Any = config
    for part in path.split(SEP):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _default(info: Any) -> Any:
    if info.is_required():
        return None
    value = info.get_default(call_default_factory=True)
    return value.unicode_string() if hasattr(value, "unicode_string") else value
