"""The reference app for bench/verify_api.py: a Flask hello world that takes the same
POST as /api/v1/verify (it reads the body) and answers a small JSON object."""

from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/api/v1/verify")
def verify() -> object:
    body = request.get_data(cache=False)
    return jsonify({"hello": "world", "bytes": len(body)})


@app.get("/")
def hello() -> object:
    """For bench/communities.py: a GET with a small HTML answer."""
    return "<!doctype html><title>Hello</title><p>Hello, world.</p>"
