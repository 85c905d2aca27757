import os
import signal
import sys

from flask import Flask, jsonify

app = Flask(__name__)
app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
app.config["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://redis:6379/0")


def _stop(signum, frame):
    sys.exit(0)


signal.signal(signal.SIGTERM, _stop)


@app.route("/healthz")
def healthz():
    return jsonify(status="ok")


@app.route("/orders")
def orders():
    return jsonify(orders=[])
