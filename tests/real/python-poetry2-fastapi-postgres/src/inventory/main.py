"""Counts visits in Postgres. A src layout (as `poetry new` makes it): the package imports
itself by its own name."""

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from inventory.db import connect

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/", response_class=PlainTextResponse)
def index() -> str:
    with connect() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS visits (at timestamptz DEFAULT now())")
        conn.execute("INSERT INTO visits DEFAULT VALUES")
        (count,) = conn.execute("SELECT count(*) FROM visits").fetchone()
        (server,) = conn.execute("SHOW server_version").fetchone()
    return f"fastapi-postgres says hello: visit {count} (postgres {server})\n"
