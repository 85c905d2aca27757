"""A small FastAPI service: its dependencies were installed by `uv sync --frozen`."""

import fastapi
import pydantic
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

app = FastAPI()


class Greeting(BaseModel):
    name: str
    times: int = 1


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/", response_class=PlainTextResponse)
def index() -> str:
    greeting = Greeting.model_validate({"name": "uv", "times": "3"})
    return (
        f"fastapi-uv says hello {greeting.times} times to {greeting.name} "
        f"(fastapi {fastapi.__version__}, pydantic {pydantic.VERSION})\n"
    )
