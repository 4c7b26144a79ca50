import pytest

from medspa.core import errors


@pytest.mark.parametrize(
    ("cls", "code", "status"),
    [
        (errors.DomainError, "domain_error", 400),
        (errors.ValidationError, "invalid", 422),
        (errors.NotAuthenticated, "not_authenticated", 401),
        (errors.PermissionDenied, "permission_denied", 403),
        (errors.NotFound, "not_found", 404),
        (errors.Conflict, "conflict", 409),
        (errors.IllegalTransition, "illegal_transition", 409),
    ],
)
def test_each_error_has_a_stable_code_and_status(cls, code, status):
    exc = cls("说明", field="name")
    assert (exc.code, exc.status, exc.message, exc.field) == (code, status, "说明", "name")


def test_default_message_is_translated():
    assert errors.NotFound().message == "未找到该对象。"
    assert errors.IllegalTransition().field is None
