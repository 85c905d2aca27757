"""The database connection (DATABASE_URL is wired by Berth's compose file)."""

import os

import psycopg

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app:app@localhost:5432/app")


def connect() -> psycopg.Connection:
    return psycopg.connect(DATABASE_URL)
