"""A local HTTP server that speaks the OpenAI chat-completions protocol, for the AI composer."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JA_DRAFT = (
    "美咲。今日、僕はみんなの前で、きみに誓います。眠れない夜に、きみが初めて話しかけてくれた"
    "あの日から、僕の毎日はきみでいっぱいになりました。落ち込んだ日に朝まで話を聞いたあの夜、"
    "僕はきみと生きていくと決めました。「これからの季節を、全部きみの隣で過ごしたい」。"
    "あの日の言葉を、もう一度ここで誓います。何でもない毎日が、きみと一緒だと特別な一日になります。"
    "うまく言えない日も、すれ違う日もあるかもしれません。それでも僕は、きみと話すことをやめません。"
    "大丈夫、僕がいるよ。これからも、ずっときみのそばにいます。美咲、愛しています。"
)


def completion(content: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }


GOOD = completion("\n===\n".join(f"{JA_DRAFT}（{n}）" for n in range(1, 4)))


class FakeLLM:
    """Answers each request with the next planned reply: a dict (JSON), an int (that HTTP
    status), "slow" (sleeps past the client's time-out), or bytes sent as they are."""

    def __init__(self, plan=None):
        self.plan = list(plan or [])
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                server.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
                )
                reply = server.plan.pop(0) if server.plan else GOOD
                if reply == "slow":
                    time.sleep(1.5)
                    reply = GOOD
                if isinstance(reply, int):
                    self.send_response(reply)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (time-out test)
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
