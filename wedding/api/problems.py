"""RFC 9457 problem details: every API error is application/problem+json."""

from flask import Response, json

PROBLEM_BASE = "/api/v1/problems/"


class ApiProblem(Exception):
    def __init__(
        self, status: int, title: str, detail: str = "", type_: str | None = None, extra=None
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.type = PROBLEM_BASE + type_ if type_ else "about:blank"
        self.extra = extra or {}


def problem_response(problem: ApiProblem) -> Response:
    body = {
        "type": problem.type,
        "title": problem.title,
        "status": problem.status,
        **({"detail": problem.detail} if problem.detail else {}),
        **problem.extra,
    }
    response = Response(
        json.dumps(body, ensure_ascii=False),
        status=problem.status,
        mimetype="application/problem+json",
    )
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
