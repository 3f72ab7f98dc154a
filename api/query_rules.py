"""Depth and alias limits that look at each fragment once.

Strawberry's own limiters walk into a fragment every time it is spread, so fragments that each
spread the next one twice take exponential time (a 1 KB query froze the server). Here each
fragment's depth and alias count are worked out once and remembered, so validation is linear in
the size of the document; the numbers are the same as when every spread is expanded.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

T = TypeVar("T")


class FragmentMemo:
    """What has been worked out for each fragment, keyed by the fragment's name and whatever else
    the answer depends on. A fragment spread inside itself counts as nothing here; the cycle is
    refused by graphql-core's NoFragmentCyclesRule."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._done: dict[Hashable, Any] = {}
        self._busy: set[Hashable] = set()

    def value(
        self,
        name: str,
        key: Hashable,
        compute: Callable[[FragmentDefinitionNode], T],
        default: T,
    ) -> T:
        memo_key = (name, key)
        if memo_key in self._done:
            found: T = self._done[memo_key]
            return found
        fragment = self.fragments.get(name)
        if fragment is None or memo_key in self._busy:
            return default
        self._busy.add(memo_key)
        try:
            result = self.visit(fragment, compute)
        finally:
            self._busy.discard(memo_key)
        self._done[memo_key] = result
        return result

    @staticmethod
    def visit(
        fragment: FragmentDefinitionNode, compute: Callable[[FragmentDefinitionNode], T]
    ) -> T:
        """The one place a fragment's body is walked (tests count the calls)."""
        return compute(fragment)


def _depth(memo: FragmentMemo, selection_set: SelectionSetNode | None) -> int:
    """How deep the fields below go: a field with sub-fields is one level, introspection none."""
    deepest = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__") or not selection.selection_set:
                continue
            deepest = max(deepest, 1 + _depth(memo, selection.selection_set))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(memo, selection.selection_set))
        elif isinstance(selection, FragmentSpreadNode):
            found = memo.value(
                selection.name.value, "depth", lambda f: _depth(memo, f.selection_set), 0
            )
            deepest = max(deepest, found)
    return deepest


def _aliases(memo: FragmentMemo, selection_set: SelectionSetNode | None) -> int:
    """Aliased fields, each spread of a fragment counting its aliases again."""
    total = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            total += (selection.alias is not None) + _aliases(memo, selection.selection_set)
        elif isinstance(selection, InlineFragmentNode):
            total += _aliases(memo, selection.selection_set)
        elif isinstance(selection, FragmentSpreadNode):
            total += memo.value(
                selection.name.value, "aliases", lambda f: _aliases(memo, f.selection_set), 0
            )
    return total


def _memo(context: ValidationContext) -> FragmentMemo:
    """One memo per document, shared by the rules that validate it."""
    document = context.document
    cached = getattr(context, "_prao_fragment_memo", None)
    if isinstance(cached, FragmentMemo):
        return cached
    memo = FragmentMemo(document)
    context._prao_fragment_memo = memo  # type: ignore[attr-defined]
    return memo


def depth_limit(max_depth: int) -> type[ValidationRule]:
    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            memo = _memo(context)
            for definition in context.document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                if _depth(memo, definition.selection_set) > max_depth:
                    name = definition.name.value if definition.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            [definition],
                        )
                    )

    return DepthLimit


def alias_limit(max_aliases: int) -> type[ValidationRule]:
    class AliasLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            memo = _memo(context)
            total = sum(
                _aliases(memo, d.selection_set)
                for d in context.document.definitions
                if isinstance(d, OperationDefinitionNode)
            )
            if total > max_aliases:
                context.report_error(GraphQLError(f"{total} aliases found. Allowed: {max_aliases}"))

    return AliasLimit
