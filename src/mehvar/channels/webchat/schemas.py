import pydantic


class WebchatConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
