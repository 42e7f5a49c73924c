"""Domain errors: raised by actions and access checks, mapped to HTTP problems at the edges."""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a user can act on; `code` is stable, the message is for people."""

    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Invalid(DomainError):
    code = "invalid"
    status = 400


class Conflict(DomainError):
    code = "conflict"
    status = 409


class PolicyRefused(DomainError):
    """A send the platform would refuse (window closed, opted out, needs approval...)."""

    code = "policy_refused"
    status = 422

    def __init__(self, message: str, *, allowed: str | None = None) -> None:
        super().__init__(message)
        self.allowed = allowed
