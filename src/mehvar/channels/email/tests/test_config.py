"""The e-mail channel's settings: typed, extra keys refused, every error naming its field."""

import pydantic
import pytest

from mehvar.channels.email.schemas import EmailConfig
from mehvar.channels.registry import adapter_for

VALID = {"address": "support@shop.ir", "smtp_host": "smtp.shop.ir"}


def error_fields(config: dict) -> set[str]:
    with pytest.raises(pydantic.ValidationError) as caught:
        EmailConfig.model_validate(config)
    return {".".join(map(str, error["loc"])) for error in caught.value.errors()}


def test_a_minimal_config_gets_safe_defaults():
    config = EmailConfig.model_validate(VALID)
    assert (config.smtp_port, config.smtp_security) == (587, "starttls")
    assert (config.imap_port, config.imap_security, config.imap_folder) == (993, "tls", "INBOX")
    assert not config.polls and config.domain == "shop.ir"


def test_a_full_config_with_imap_polls():
    config = EmailConfig.model_validate(
        VALID
        | {
            "display_name": "پشتیبانی",
            "smtp_port": 465,
            "smtp_security": "tls",
            "smtp_user": "support@shop.ir",
            "smtp_password": "رمز",
            "imap_host": "imap.shop.ir",
            "imap_user": "support@shop.ir",
            "imap_password": "رمز",
            "imap_folder": "Support/Inbox",
        }
    )
    assert config.polls and config.imap_folder == "Support/Inbox"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"address": "not-an-address"}, "address"),
        ({"address": ""}, "address"),
        ({"smtp_host": ""}, "smtp_host"),
        ({"transport": "sendmail"}, "transport"),
        ({"smtp_host": "smtp shop.ir"}, "smtp_host"),
        ({"smtp_port": 0}, "smtp_port"),
        ({"smtp_port": 70000}, "smtp_port"),
        ({"smtp_port": "پورت"}, "smtp_port"),
        ({"smtp_security": "ssl"}, "smtp_security"),
        ({"smtp_user": "me"}, "smtp_password"),
        ({"display_name": "a\nBcc: x@y.z"}, "display_name"),
        ({"imap_host": "imap.shop.ir"}, "imap_user"),
        ({"imap_host": "imap.shop.ir", "imap_user": "me"}, "imap_password"),
        ({"imap_security": "yes"}, "imap_security"),
        ({"imap_folder": "In\rbox"}, "imap_folder"),
        ({"smtp_timeout": 0}, "smtp_timeout"),
        ({"password": "x"}, "password"),  # an unknown key: extra=forbid
    ],
)
def test_invalid_settings_name_the_field(changes, field):
    config = {**VALID, **changes}
    assert field in error_fields(config)


def test_the_platform_transport_needs_no_smtp_server():
    config = EmailConfig.model_validate({"address": "support@shop.ir", "transport": "platform"})
    assert config.transport == "platform" and config.smtp_host == ""


def test_missing_required_fields_are_named():
    assert error_fields({}) == {"address", "smtp_host"}


def test_the_registry_gives_the_email_adapter_with_this_schema():
    adapter = adapter_for("email")
    assert adapter.config_schema is EmailConfig
    assert adapter.address_kind == "email" and adapter.can_send and adapter.inbound_webhook
