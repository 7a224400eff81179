import pydantic


class EmailConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
