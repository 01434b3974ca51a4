"""The floor: a bare Flask app answering a small JSON document (bench/http.py serves it)."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify({"status": "ok", "venues": [1, 2, 3]})


@app.get("/login")
def login():
    return jsonify({})
