"""``mehvar telegram_webhook``: setWebhook with the channel's hook URL and secret token, against the peer."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("telegram_webhook", *args, stdout=out)
    return out.getvalue()


def test_it_registers_the_hook_url_and_the_secret_token(telegram_channel, peer):
    output = run(str(telegram_channel.pk))

    [call] = peer.webhooks
    expected = f"{settings.SITE_URL}/hooks/telegram/{telegram_channel.pk}/"
    assert call["method"] == "setWebhook" and call["url"] == expected
    assert call["secret_token"] == telegram_channel.secret
    assert call["allowed_updates"] == ["message", "edited_message"] and call["drop_pending_updates"] is False
    assert expected in output


def test_a_public_url_and_dropping_pending_updates_can_be_given(telegram_channel, peer):
    run(str(telegram_channel.pk), "--url", "https://cx.example.ir/hooks/telegram/1/", "--drop-pending")
    assert peer.webhooks[0]["url"] == "https://cx.example.ir/hooks/telegram/1/"
    assert peer.webhooks[0]["drop_pending_updates"] is True


def test_it_removes_the_webhook(telegram_channel, peer):
    assert "removed" in run(str(telegram_channel.pk), "--delete")
    assert peer.webhooks == [{"method": "deleteWebhook"}]


def test_errors_are_clear(tenants, telegram_channel, peer):
    with pytest.raises(CommandError, match="No Telegram channel"):
        run("999999")
    telegram_channel.config = {**telegram_channel.config, "bot_token": "111:WrongTokenWrongTokenWrongToken"}
    telegram_channel.save()
    with pytest.raises(CommandError, match="bot token"):
        run(str(telegram_channel.pk))
    assert peer.webhooks == []
