import pydantic


class PhoneConfig(pydantic.BaseModel):
    """The phone line: calls are logged by agents (or by a PBX through the API), not sent."""

    model_config = pydantic.ConfigDict(extra="forbid")

    number: str = ""
