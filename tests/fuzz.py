"""Shared by the API fuzz tests: the OpenAPI schema served by the WSGI app, and the property every
operation must hold whatever schemathesis sends — never a 5xx, every error as problem JSON."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from medspa.wsgi import application


@contextmanager
def wsgi_schema() -> Iterator[object]:
    # Like Django's test client: keep the test's database connection open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def operations(schema: object, prefixes: Iterable[str] = ("/api/v1/",)) -> list[object]:
    prefixes = tuple(prefixes)
    found = [result.ok() for result in schema.get_all_operations()]  # type: ignore[attr-defined]
    return [op for op in found if op.path.startswith(prefixes)]


def assert_never_fails(operation: object, headers: dict[str, str], *, max_examples: int) -> None:
    @given(case=operation.as_strategy())  # type: ignore[attr-defined]
    @settings(
        max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def check(case: object) -> None:
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])  # type: ignore[attr-defined]
        if response.status_code >= 400:
            content_type = response.headers.get("Content-Type") or response.headers.get("content-type")
            content_type = content_type[0] if isinstance(content_type, list) else content_type
            assert content_type == "application/problem+json", (
                case.method,  # type: ignore[attr-defined]
                case.path,  # type: ignore[attr-defined]
                response.status_code,
            )

    check()
