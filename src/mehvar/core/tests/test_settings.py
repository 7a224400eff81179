"""Settings come from the environment: embedded defaults, the production profile, EMAIL_URL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mehvar.config.email_url import email_settings

ROOT = Path(__file__).resolve().parents[4]


def run_mehvar(args, env_extra, tmp_path):
    # The browser fixtures set DJANGO_ALLOW_ASYNC_UNSAFE for their own process: not for a deployment
    dropped = {"DATABASE_URL", "SECRET_KEY", "MEHVAR_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"MEHVAR_VAR_DIR": str(tmp_path), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "mehvar", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_profile_passes_the_deploy_check(tmp_path):
    result = run_mehvar(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "MEHVAR_ENV": "production",
            "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-1234",
            "ALLOWED_HOSTS": "cx.example.ir",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_local_profile_does_not_pass_the_deploy_check(tmp_path):
    result = run_mehvar(["check", "--deploy", "--fail-level", "WARNING"], {}, tmp_path)
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stderr + result.stdout or "W012" in result.stderr + result.stdout


def test_secret_key_is_generated_once_and_kept(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_mehvar(["shell", "--no-imports", "-c", code], {}, tmp_path)
    second = run_mehvar(["shell", "--no-imports", "-c", code], {}, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == second.stdout.strip() == (tmp_path / "secret_key").read_text().strip()
    assert len(first.stdout.strip()) >= 50


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "file:///tmp/mail",
            {
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": "/tmp/mail",
            },
        ),
        (
            "smtp://u%40x:p%3Aw@mail.example.ir:2525",
            {
                "EMAIL_HOST": "mail.example.ir",
                "EMAIL_PORT": 2525,
                "EMAIL_HOST_USER": "u@x",
                "EMAIL_HOST_PASSWORD": "p:w",
                "EMAIL_USE_TLS": False,
            },
        ),
        ("smtp+tls://mail.example.ir", {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True}),
        ("smtps://mail.example.ir", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("memory://", {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}),
    ],
)
def test_email_url(url, expected):
    settings = email_settings(url)
    for key, value in expected.items():
        assert settings[key] == value


def test_email_url_rejects_unknown_scheme():
    with pytest.raises(ValueError, match="not supported"):
        email_settings("pigeon://coop")
