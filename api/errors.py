"""Top-level GraphQL errors: unexpected ones are masked, logged with the request id, and the
response carries that id so support can find the log line."""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext

from api.context import Context
from api.limits import INTERNAL

UNEXPECTED = "Unexpected error"
log = logging.getLogger("prao.api")
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def is_unexpected(error: GraphQLError) -> bool:
    """Our own GraphQLErrors and validation errors are meant for the client; the rest is a bug."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def request_id(execution_context: ExecutionContext | None) -> str | None:
    context = execution_context.context if execution_context else None
    return context.request_id if isinstance(context, Context) else None


def log_unexpected(errors: list[GraphQLError], execution_context: ExecutionContext | None) -> None:
    for error in errors:
        if is_unexpected(error):
            log.error(
                "request %s: %s at %s",
                request_id(execution_context),
                error.message,
                error.path,
                exc_info=error.original_error,
            )


class MaskUnexpected(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=UNEXPECTED)

    def _process_result(self, result: object) -> None:
        # As MaskErrors does, without its isinstance check against a runtime Protocol, which
        # costs more than the rest of the masking on every request.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        extensions: dict[str, object] = {"code": INTERNAL}
        if rid := request_id(self.execution_context):
            extensions["requestId"] = rid
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )


def without_suggestions(message: str) -> str:
    """Drop graphql-core's "Did you mean …?" hints, which map the schema for a stranger."""
    return _SUGGESTION.sub("", message)
