import pydantic


class ApiConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
