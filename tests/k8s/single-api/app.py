import os

from flask import Flask, jsonify

app = Flask(__name__)
GREETING = os.environ.get("GREETING", "hello")


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/")
def index():
    return jsonify(message=GREETING)
