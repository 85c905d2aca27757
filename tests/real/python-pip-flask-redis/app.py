"""A visit counter: Flask in front of Redis (the real-build suite's pip project)."""

import os

import redis
from flask import Flask, jsonify

app = Flask(__name__)
store = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/")
def index():
    visits = store.incr("visits")
    return f"flask-redis says hello: visit {visits} (redis {store.info()['redis_version']})\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
