"""Settings of the demo's channels.

E-mail replies go through the platform's mail (``EMAIL_URL``: files under var/ in the demo, shown on the
operators' mail page). The SMS gateway and the Telegram Bot API are not reachable from a demo machine: their
channels point at a closed local port, so replies on them wait in the outbox and end "failed" with the reason
after the retries, as they would with a provider that is down. Connect real ones on the channels' settings.
"""

from typing import Any

from mehvar.demo.generator import DEMO_EMAIL_DOMAIN

UNREACHABLE = "http://127.0.0.1:9"


def config_for(kind: str) -> dict[str, Any]:
    if kind == "email":
        return {
            "address": f"support@{DEMO_EMAIL_DOMAIN}",
            "display_name": "پشتیبانی",
            "transport": "platform",
        }
    if kind == "sms":
        return {"base_url": UNREACHABLE, "api_key": "demo-key", "sender": "30001234"}
    if kind == "telegram":
        return {"bot_token": "123456789:AAHdemoDemoDemoDemoDemoDemoDemoDemo1", "api_base_url": UNREACHABLE}
    if kind == "webchat":
        return {
            "allowed_origins": ["http://127.0.0.1:8000", "http://localhost:8000"],
            "title": "گفتگو با فروشگاه",
            "welcome_text": "سلام! چطور می‌توانیم کمکتان کنیم؟",
        }
    return {}
