"""Counts visits in Postgres (DATABASE_URL is wired by Berth's compose file)."""

import os

import psycopg
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app:app@localhost:5432/app")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/", response_class=PlainTextResponse)
def index() -> str:
    with psycopg.connect(DATABASE_URL) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS visits (at timestamptz DEFAULT now())")
        conn.execute("INSERT INTO visits DEFAULT VALUES")
        (count,) = conn.execute("SELECT count(*) FROM visits").fetchone()
        (server,) = conn.execute("SHOW server_version").fetchone()
    return f"fastapi-postgres says hello: visit {count} (postgres {server})\n"
