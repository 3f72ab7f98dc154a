"""Strawberry's schema-extension hooks, looked up once per extension class.

For each of a request's four phases (operation, parsing, validation, execution) Strawberry
inspects every extension for the phase's hook and wraps the hook it finds in a new
context-manager function: twelve inspections and five wrappers a request here, the same
answer every time. This runner finds each class's hooks once and binds them to the request's
extension instances; hooks that are neither generators nor async generators are left to
Strawberry's own look-up.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

Found = tuple[str, Callable[[SchemaExtension], Any] | None]
_found: dict[tuple[type[SchemaExtension], str], Found] = {}


def _class_hook(extension_class: type[SchemaExtension], name: str) -> Found:
    """The class's hook for a phase: ("none", None) where it keeps SchemaExtension's (it hooks
    nothing), ("sync" or "async", a context-manager factory taking the extension instance), or
    ("other", None) for a plain function, which Strawberry wraps as it does."""
    key = (extension_class, name)
    if key not in _found:
        _found[key] = _look_up(extension_class, name)
    return _found[key]


def _look_up(extension_class: type[SchemaExtension], name: str) -> Found:
    hook = getattr(extension_class, name)
    if hook is getattr(SchemaExtension, name):
        return "none", None
    if inspect.isgeneratorfunction(hook):
        return "sync", contextlib.contextmanager(hook)
    if inspect.isasyncgenfunction(hook):
        return "async", contextlib.asynccontextmanager(hook)
    return "other", None


class _ClassHooks(ExtensionContextManagerBase):
    __slots__ = ()

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        kind, factory = _class_hook(type(extension), self.HOOK_NAME)
        if kind == "none":
            return None
        if factory is None:
            return super().get_hook(extension)
        return WrappedHook(
            extension=extension, hook=partial(factory, extension), is_async=kind == "async"
        )


class _Operation(_ClassHooks, OperationContextManager):
    __slots__ = ()


class _Parsing(_ClassHooks, ParsingContextManager):
    __slots__ = ()


class _Validation(_ClassHooks, ValidationContextManager):
    __slots__ = ()


class _Executing(_ClassHooks, ExecutingContextManager):
    __slots__ = ()


class ClassHooksRunner(SchemaExtensionsRunner):
    """Strawberry's runner, with each phase's hooks found by extension class."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)
