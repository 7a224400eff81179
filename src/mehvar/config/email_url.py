"""Turn ``EMAIL_URL`` into Django's e-mail settings.

``file:///path`` writes each message to a file (the embedded default, read on the operators' page);
``smtp://user:pass@host:port`` and ``smtp+tls://`` / ``smtps://`` send over SMTP; ``console://`` prints;
``memory://`` keeps messages in ``django.core.mail.outbox`` (tests).
"""

from urllib.parse import unquote, urlsplit


def email_settings(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme in {"smtp", "smtp+tls", "smtps"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if scheme == "smtps" else 587 if scheme == "smtp+tls" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp+tls",
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_TIMEOUT": 20,
        }
    raise ValueError(
        f"EMAIL_URL scheme {scheme!r} is not supported (file, smtp, smtp+tls, smtps, console, memory)"
    )
