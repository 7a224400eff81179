import pydantic


class SmsConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
