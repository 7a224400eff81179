"""The Telegram bot channel's settings, and the part of the Bot API's ``Update`` it reads.

The update models name only the fields Mehvar uses and ignore the rest, so a new Bot API version does not
break parsing; a field that is present with the wrong type is a ``ParseError`` naming the field.
"""

import pydantic

BOT_TOKEN_PATTERN = r"^[0-9]{3,15}:[A-Za-z0-9_-]{20,100}$"


class TelegramConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    bot_token: str = pydantic.Field(
        pattern=BOT_TOKEN_PATTERN, description="From @BotFather, e.g. 123456789:AAH…"
    )
    api_base_url: pydantic.HttpUrl = pydantic.Field(
        default=pydantic.HttpUrl("https://api.telegram.org"),
        description="The Bot API server (a local Bot API server or a test peer may stand in).",
    )
    proxy_url: pydantic.HttpUrl | None = pydantic.Field(
        default=None, description="An HTTP(S) proxy for the Bot API where it is not reachable directly."
    )
    timeout_seconds: float = pydantic.Field(default=10.0, gt=0, le=60)


class _Lenient(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="ignore", populate_by_name=True)


class TgUser(_Lenient):
    id: int
    is_bot: bool = False
    first_name: str = ""
    last_name: str = ""
    username: str = ""
    language_code: str = ""


class TgChat(_Lenient):
    id: int
    type: str = ""
    title: str = ""


class TgFile(_Lenient):
    file_id: str
    file_unique_id: str = ""
    file_size: int | None = None
    file_name: str = ""
    mime_type: str = ""


class TgPhotoSize(TgFile):
    width: int = 0
    height: int = 0


class TgContact(_Lenient):
    phone_number: str
    first_name: str = ""
    last_name: str = ""
    user_id: int | None = None


class TgLocation(_Lenient):
    latitude: float
    longitude: float


class TgReplied(_Lenient):
    message_id: int


class TgMessage(_Lenient):
    message_id: int
    sender: TgUser | None = pydantic.Field(default=None, alias="from")
    chat: TgChat
    date: int
    edit_date: int | None = None
    text: str = ""
    caption: str = ""
    photo: list[TgPhotoSize] = []
    document: TgFile | None = None
    audio: TgFile | None = None
    voice: TgFile | None = None
    video: TgFile | None = None
    video_note: TgFile | None = None
    animation: TgFile | None = None
    sticker: TgFile | None = None
    contact: TgContact | None = None
    location: TgLocation | None = None
    reply_to_message: TgReplied | None = None


class TgUpdate(_Lenient):
    update_id: int
    message: TgMessage | None = None
    edited_message: TgMessage | None = None
