import pydantic


class TelegramConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
