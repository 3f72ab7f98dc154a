"""Query cost, computed from the document before anything runs (the way GitHub and Shopify do).

A connection costs its page size (`first` or `last`, else the default page) times what each of
its nodes costs, plus one; an object costs one plus its own fields; scalars are free; a mutation
field costs ten. `nodes(ids)` costs one per id. Other lists are bounded by the domain (errors of
one input, schools of one organiser) and count as one object.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
    is_composite_type,
)
from graphql.utilities import get_operation_ast

from api.limits import DEFAULT_PAGE_SIZE, MAX_COST, MAX_PAGE_SIZE, MUTATION_COST, TOO_COSTLY
from api.query_rules import FragmentMemo


class QueryTooCostly(GraphQLError):
    def __init__(self, cost: int) -> None:
        super().__init__(
            f"Frågan kostar {cost} poäng; högst {MAX_COST} är tillåtet. "
            "Hämta färre rader per sida (first/last) eller dela upp frågan.",
            extensions={"code": TOO_COSTLY, "cost": cost, "maximumCost": MAX_COST},
        )


class _Coster:
    """Each fragment is costed once per type it is spread on, and remembered (FragmentMemo)."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.variables = dict(variables)
        self.memo = FragmentMemo(document)
        # Whether a size was read from a variable: then the cost differs from call to call.
        self.read_variables = False

    def selections(self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(target or parent, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.memo.fragments.get(selection.name.value)
                if fragment is None:
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                total += self.memo.value(
                    selection.name.value,
                    ("selections", target.name),
                    lambda f, t=target: self.selections(t, f.selection_set),  # type: ignore[misc]
                    0,
                )
        return total

    def field(self, parent: GraphQLNamedType, node: FieldNode) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0  # __typename and friends
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return 0
        args = self.sizes(node)
        if named.name.endswith("Connection"):
            return self.connection(named, node, args)
        inner = self.selections(named, node.selection_set)
        if "ids" in args:
            return args["ids"] * (1 + inner)
        return 1 + inner

    def sizes(self, node: FieldNode) -> dict[str, int]:
        """The size arguments (first, last, ids) as numbers; bad values are refused later."""
        found: dict[str, int] = {}
        for argument in node.arguments or ():
            name, value = argument.name.value, argument.value
            if name not in ("first", "last", "ids"):
                continue
            raw: Any = value
            if isinstance(value, VariableNode):
                self.read_variables = True
                raw = self.variables.get(value.name.value)
            if isinstance(raw, IntValueNode):
                raw = int(raw.value)
            elif isinstance(raw, ListValueNode):
                raw = len(raw.values)
            elif isinstance(raw, list):
                raw = len(raw)
            elif isinstance(raw, str | StringValueNode) and name == "ids":
                raw = 1  # a single id is coerced to a list of one
            if isinstance(raw, int) and not isinstance(raw, bool):
                found[name] = raw
        return found

    def over_fields(
        self,
        purpose: Hashable,
        selection_set: SelectionSetNode | None,
        each: Callable[[FieldNode], int],
    ) -> int:
        """The sum of `each` over the fields of a selection set, fragments spread in (the types
        below a connection are concrete, so type conditions do not matter)."""
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += each(selection)
            elif isinstance(selection, InlineFragmentNode):
                total += self.over_fields(purpose, selection.selection_set, each)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.memo.value(
                    selection.name.value,
                    purpose,
                    lambda f: self.over_fields(purpose, f.selection_set, each),
                    0,
                )
        return total

    def connection(
        self, connection: GraphQLNamedType, node: FieldNode, args: dict[str, int]
    ) -> int:
        given = (args[k] for k in ("first", "last") if args.get(k) is not None)
        size = next(given, DEFAULT_PAGE_SIZE)  # what a connection returns without first/last
        size = min(max(size, 0), MAX_PAGE_SIZE)  # a larger page is refused with its own error
        assert isinstance(connection, GraphQLObjectType)
        node_type = get_named_type(connection.fields["nodes"].type)

        def of_node(edge_field: FieldNode) -> int:
            if edge_field.name.value != "node":
                return 0
            return self.selections(node_type, edge_field.selection_set)

        def per_node(selection: FieldNode) -> int:
            name = selection.name.value
            if name == "nodes":
                return self.selections(node_type, selection.selection_set)
            if name == "edges":
                return self.over_fields(("edge", connection.name), selection.selection_set, of_node)
            return 0

        def rest(selection: FieldNode) -> int:
            if selection.name.value in ("nodes", "edges"):
                return 0
            return self.field(connection, selection)

        nodes = 1 + self.over_fields(("per-node", connection.name), node.selection_set, per_node)
        others = 1 + self.over_fields(("rest", connection.name), node.selection_set, rest)
        return size * nodes + others


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> int:
    return _costed(schema, document, operation_name, variables)[0]


def _costed(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> tuple[int, bool]:
    """The cost, and whether it depends on the variables' values."""
    operation = get_operation_ast(document, operation_name)
    if not isinstance(operation, OperationDefinitionNode):
        return 1, False
    # A declared default counts exactly like a sent value: `query($n: Int = 100)` is a page of 100.
    given = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in given and definition.default_value is not None:
            given[name] = definition.default_value
    coster = _Coster(schema, document, given)
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 1, False
    cost = coster.selections(root, operation.selection_set)
    if operation.operation is OperationType.MUTATION:
        roots = coster.over_fields("roots", operation.selection_set, lambda _: 1)
        cost += MUTATION_COST * roots
    return max(cost, 1), coster.read_variables


class CostCache:
    """Costs of query texts whose cost no variable changes (most clients send a few texts
    again and again), so that they are worked out once. Keyed on the schema, the query text
    and the operation's name: the cost is a function of these alone, never of who asks."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._costs: OrderedDict[tuple[GraphQLSchema, str, str | None], int] = OrderedDict()

    def cost(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        operation_name: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> int:
        if query is None:
            return operation_cost(schema, document, operation_name, variables)
        key = (schema, query, operation_name)
        found = self._costs.get(key)
        if found is not None:
            self._costs.move_to_end(key)
            return found
        cost, varies = _costed(schema, document, operation_name, variables)
        if not varies:
            self._costs[key] = cost
            if len(self._costs) > self.maxsize:
                self._costs.popitem(last=False)
        return cost
