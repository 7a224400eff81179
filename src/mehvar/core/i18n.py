"""Which language a request is answered in.

The UI speaks the signed-in user's chosen language, else the language cookie, else Persian: a browser's
English Accept-Language does not override the Persian default. The API follows Accept-Language (Persian
unless the client asks for English first).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_from_accept_header(header: str) -> str:
    """The first supported language in an Accept-Language header, by q-value; Persian when none."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            key, _sep, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        base = tag.split("-")[0]
        if base in SUPPORTED and quality > 0:
            choices.append((-quality, position, base))
    return min(choices)[2] if choices else settings.LANGUAGE_CODE


def request_language(request: HttpRequest) -> str:
    if request.path.startswith("/api/"):
        return language_from_accept_header(request.headers.get("Accept-Language", ""))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in SUPPORTED:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return cookie if cookie in SUPPORTED else settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Accept-Language, Cookie")
        translation.deactivate()
        return response
