"""A small Flask app for `berth bench` (the native-vs-container benchmark's test project)."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/")
def index():
    return "flask-bench says hello\n"
