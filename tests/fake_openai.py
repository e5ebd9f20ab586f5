"""A tiny OpenAI-compatible chat-completions server for tests (on 127.0.0.1 unless told
another address): real HTTP, so the openai client, vcrpy recording and the gateway run
exactly as against a real server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def completion(content: str, model: str = "fake") -> dict[str, Any]:
    """A chat.completion body whose message is `content` (10 prompt + 1 completion tokens)."""
    return {
        "id": "c", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11},
    }  # fmt: skip


Reply = Callable[[dict[str, Any], dict[str, str]], tuple[int, dict[str, Any]]]


@contextmanager
def serve(answer: Callable[[dict[str, Any]], str]) -> Iterator[tuple[str, list[bytes]]]:
    """Serve `answer(request body) -> message content`; yields (base URL, raw request bodies)."""
    with endpoint(lambda body, headers: (200, completion(answer(body)))) as server:
        yield server


@contextmanager
def endpoint(reply: Reply, host: str = "127.0.0.1") -> Iterator[tuple[str, list[bytes]]]:
    """Serve `reply(request body, request headers) -> (HTTP status, JSON body)` on `host`;
    yields (base URL, raw request bodies)."""
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            bodies.append(raw)
            status, body = reply(json.loads(raw), dict(self.headers))
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/v1", bodies
    finally:
        server.shutdown()
        server.server_close()
