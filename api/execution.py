"""A faster way through lists: each field is resolved for the whole list at once.

graphql-core completes a list item by item and field by field, with a resolve-info object, a
Strawberry wrapper call and often an awaitable for every single value: for a page of 100 slots
that is thousands of calls per request. Here a list of objects is completed column by column from
a plan made once per list field (api.execution_plans): plain attributes are read directly, node
ids are encoded directly, a field declared with api.batched.loaded is fetched with one batch call
for the whole column, other resolvers are called per item but their awaitables are gathered once
per column. Reading fields directly skips schema extensions' `resolve` hooks, so FastPathSchema
refuses such extensions when it is built.

A single object whose fields are all read, not resolved, down to the leaves (a mutation's
payload with its booking and errors, say) is completed the same way at once, without an
awaitable; its plan is kept across requests where the document has no directives.

Anything the plan does not cover exactly (abstract types, deferred fields, a resolver that raises,
a null where the schema forbids one) falls back to graphql-core for that list, so errors and
their paths are graphql-core's own. Falling back re-runs that list's resolvers; they only read
(mutations run at the root, which this never touches), and DataLoaders cache their loads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from api import ids
from api.context import FastPathCount
from api.execution_plans import (
    BACKREF,
    INT_MAX,
    INT_MIN,
    PASSTHROUGH,
    TYPENAME,
    Completed,
    Completion,
    FieldDetailsList,
    FieldPlan,
    ObjectPlan,
    ResolveInfo,
    Source,
    batch,
    enum_names,
    node_id_attribute,
    plain_attribute,
)

# Plans of objects that only read (ObjectPlan.reads_only) follow from the document alone where
# it has no directives (@include and @skip choose fields by the variables): those are kept
# across requests, keyed on the operation, the type and the field nodes they complete, which
# the entry holds, so that the ids in its key stay theirs. Bounded like the parse cache.
SHARED_PLANS = 512
_shared: dict[tuple[int, ...], tuple[tuple[Any, ...], ObjectPlan]] = {}
_directive_free: dict[int, tuple[OperationDefinitionNode, bool]] = {}


def _without_directives(selection_set: SelectionSetNode | None) -> bool:
    for selection in selection_set.selections if selection_set else ():
        if selection.directives:
            return False
        if not _without_directives(getattr(selection, "selection_set", None)):
            return False
    return True


def _bounded_put(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= SHARED_PLANS:
        cache.clear()
    cache[key] = value


class _Fallback(Exception):
    """This list needs graphql-core's item-by-item completion."""


class ResolveHookRefused(TypeError):
    """A schema extension with a `resolve` hook, which the fast path would skip."""


class PraoExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed like graphql-core's own memo: the id of a list kept alive beside its plan.
        self._plans: dict[tuple[int, int], tuple[FieldDetailsList, ObjectPlan | None]] = {}
        # Counted where the request's context asks for it (api.context.Context does).
        found = getattr(self.context_value, "fast_path", None)
        self.count = found if isinstance(found, FastPathCount) else FastPathCount()
        self.count.completes = True

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: ResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        if type(result) is Completed:
            return result.value
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: ResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        # One object (a mutation's payload, an object field of a single object) whose every
        # field down to the leaves is read, not resolved, is completed here at once; anything
        # the plan does not fit goes to graphql-core, which reads the same attributes again.
        try:
            plan = self._single_object_plan(return_type, field_details_list, info)
        except GraphQLError:
            plan = None
        if plan is not None and plan.reads_only:
            lists = [0]
            try:
                done = self._one(plan, result, lists)
            except Exception:  # noqa: BLE001 - graphql-core reports it properly below
                pass
            else:
                self.count.objects += 1
                self.count.lists += lists[0]
                return done
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: ResolveInfo,
        path: Path,
        items: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        completion = None
        if isinstance(items, list) and items:
            try:
                completion = self._completion(item_type, field_details_list, info)
            except GraphQLError:
                completion = None  # graphql-core reports it, at the item it belongs to
        if completion is None or completion.plan is None:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        return self._complete_list(
            completion, item_type, field_details_list, info, path, items, position_context
        )

    async def _complete_list(
        self,
        completion: Completion,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: ResolveInfo,
        path: Path,
        items: list[Any],
        position_context: Any,
    ) -> list[Any]:
        try:
            done = await self._complete(completion, items)
        except Exception:  # noqa: BLE001 - graphql-core reports it properly below
            self.count.fallbacks += 1
            result = super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
            if self.is_awaitable(result):
                return await result  # type: ignore[no-any-return]
            return result  # type: ignore[return-value]
        self.count.lists += 1
        return done

    # Plans

    def _completion(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: ResolveInfo,
    ) -> Completion | None:
        non_null = is_non_null_type(return_type)
        inner = get_nullable_type(return_type)
        if is_leaf_type(inner):
            leaf: GraphQLLeafType = inner
            builtin = leaf in (GraphQLString, GraphQLBoolean, GraphQLID, GraphQLInt)
            same = PASSTHROUGH[leaf.name] if builtin else None
            if isinstance(leaf, CustomGraphQLEnumType):
                # Members of the enum's own class are looked up, not searched for by value.
                names = enum_names(leaf)
                return Completion(non_null, leaf.serialize, leaf.wrapped_cls, names=names)
            return Completion(non_null, serialize=leaf.serialize, passthrough=same)
        if is_object_type(inner):
            plan = self._object_plan(inner, field_details_list, info)
            return None if plan is None else Completion(non_null, plan=plan)
        if is_list_type(inner):
            item = self._completion(inner.of_type, field_details_list, info)
            return None if item is None else Completion(non_null, item=item)
        return None  # interfaces and unions: graphql-core resolves the runtime type

    def _object_plan(
        self,
        object_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: ResolveInfo,
    ) -> ObjectPlan | None:
        key = (id(object_type), id(field_details_list))
        if key not in self._plans:
            self._plans[key] = (
                field_details_list,
                self._build(object_type, field_details_list, info),
            )
        return self._plans[key][1]

    def _build(
        self,
        object_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: ResolveInfo,
    ) -> ObjectPlan | None:
        grouped, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None
        fields: list[FieldPlan] = []
        for response_key, group in grouped.items():
            details = group[0]
            name = details.node.name.value
            if name == TYPENAME:
                fields.append(FieldPlan(response_key, Source.TYPENAME))
                continue
            field_def = object_type.fields.get(name)
            if field_def is None or details.defer_usage is not None:
                return None
            completion = self._completion(field_def.type, group, info)
            if completion is None:
                return None
            definition = field_def.extensions.get(BACKREF)
            attribute = plain_attribute(definition)
            node_id = node_id_attribute(object_type, definition)
            if attribute is not None and not field_def.args:
                fields.append(FieldPlan(response_key, Source.ATTRIBUTE, completion, attribute))
            elif node_id is not None:
                fields.append(FieldPlan(response_key, Source.NODE_ID, completion, node_id))
            elif (loaded := batch(definition)) is not None and not field_def.args:
                loader, key = loaded
                fields.append(FieldPlan(response_key, Source.BATCH, completion, key, loader=loader))
            else:
                plan = self._resolver_plan(object_type, field_def, group, info, response_key)
                if plan is None:
                    return None
                plan.completion = completion
                fields.append(plan)
        return ObjectPlan(object_type.name, fields, object_type.is_type_of)

    def _resolver_plan(
        self,
        object_type: GraphQLObjectType,
        field_def: Any,
        group: FieldDetailsList,
        info: ResolveInfo,
        response_key: str,
    ) -> FieldPlan | None:
        details = group[0]
        try:
            args = (
                get_argument_values(
                    field_def,
                    details.node,
                    self.variable_values,
                    details.fragment_variable_values,
                    self.hide_suggestions,
                )
                if field_def.args or details.node.arguments
                else {}
            )
        except GraphQLError:
            return None  # graphql-core reports the bad argument where it belongs
        resolve = field_def.resolve or self.field_resolver
        if self.middleware_manager:
            resolve = self.middleware_manager.get_field_resolver(resolve)
        field_info = self.build_resolve_info(
            field_def, [d.node for d in group], object_type, info.path
        )
        return FieldPlan(response_key, Source.RESOLVER, resolve=resolve, info=field_info, args=args)

    # Running a plan over many values at once

    async def _complete(self, completion: Completion, values: list[Any]) -> list[Any]:
        present = [v for v in values if v is not None]
        if len(present) < len(values) and completion.non_null:
            raise _Fallback
        done: list[Any]
        if completion.serialize is not None:
            done = [self._leaf_value(completion, v) for v in present]
        elif completion.plan is not None:
            done = await self._run(completion.plan, present)
        else:
            assert completion.item is not None
            lists = [list(v) for v in present]
            flat = await self._complete(completion.item, [x for v in lists for x in v])
            done, start = [], 0
            for v in lists:
                done.append(flat[start : start + len(v)])
                start += len(v)
        if len(present) == len(values):
            return done
        filled = iter(done)
        return [None if v is None else next(filled) for v in values]

    def _single_object_plan(
        self,
        object_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: ResolveInfo,
    ) -> ObjectPlan | None:
        if not self._has_no_directives() or any(
            d.defer_usage is not None or d.fragment_variable_values is not None
            for d in field_details_list
        ):
            return self._object_plan(object_type, field_details_list, info)
        held = (self.operation, object_type, *(d.node for d in field_details_list))
        key = tuple(map(id, held))
        found = _shared.get(key)
        if found is not None and all(a is b for a, b in zip(found[0], held, strict=True)):
            return found[1]
        plan = self._object_plan(object_type, field_details_list, info)
        if plan is not None and plan.reads_only:
            _bounded_put(_shared, key, (held, plan))
        return plan

    def _has_no_directives(self) -> bool:
        operation = self.operation
        found = _directive_free.get(id(operation))
        if found is None or found[0] is not operation:
            definitions = (operation, *self.fragment_definitions.values())
            free = all(
                not d.directives and _without_directives(d.selection_set) for d in definitions
            )
            found = (operation, free)
            _bounded_put(_directive_free, id(operation), found)
        return found[1]

    # Completing one object whose plan only reads (ObjectPlan.reads_only), without waiting

    def _one(self, plan: ObjectPlan, source: Any, lists: list[int] | None) -> dict[str, Any]:
        """`lists` counts the non-empty lists met outside any list, as graphql-core's walk
        would have handed them to complete_iterable_value; None inside a list."""
        if plan.is_type_of is not None and plan.is_type_of(source, None) is not True:
            raise _Fallback
        row: dict[str, Any] = {}
        for f in plan.fields:
            if f.source is Source.TYPENAME:
                row[f.key] = plan.type_name
                continue
            value = getattr(source, f.attribute)
            if f.source is Source.NODE_ID:
                value = ids.encode(plan.type_name, value)
            assert f.completion is not None
            row[f.key] = self._one_value(f.completion, value, lists)
        return row

    def _one_value(self, completion: Completion, value: Any, lists: list[int] | None) -> Any:
        if value is None:
            if completion.non_null:
                raise _Fallback
            return None
        if completion.serialize is not None:
            return self._leaf_value(completion, value)
        if completion.plan is not None:
            return self._one(completion.plan, value, lists)
        assert completion.item is not None
        items = list(value)
        if items and lists is not None:
            lists[0] += 1
        return [self._one_value(completion.item, item, None) for item in items]

    async def _batch_column(self, f: FieldPlan, sources: list[Any]) -> list[Any]:
        """One call of the DataLoader's batch function for the column's distinct keys."""
        loader = getattr(self.context_value.loaders, f.loader)
        keys = [getattr(source, f.attribute) for source in sources]
        if None in keys and (f.completion is None or f.completion.non_null):
            raise _Fallback
        # A None key is a related object the caller may not see: its field is null.
        distinct = [key for key in dict.fromkeys(keys) if key is not None]
        loaded = await loader.load_fn(distinct) if distinct else []
        found = dict(zip(distinct, loaded, strict=True))
        if any(isinstance(value, BaseException) for value in found.values()):
            raise _Fallback  # graphql-core reports the error at its path
        loader.prime_many(found)  # later loads of the same keys in this request hit the cache
        return [None if key is None else found[key] for key in keys]

    @classmethod
    def _leaf_value(cls, completion: Completion, value: Any) -> Any:
        """A leaf's response value: as it is where graphql-core would leave it unchanged (a
        value of exactly the passthrough type, an Int only within 32 bits), an enum's member
        by its name, anything else serialized."""
        same, given = completion.passthrough, value  # `given` as it came: not narrowed
        if type(value) is same:
            if completion.names is not None:
                return completion.names[value]
            if same is not int or INT_MIN <= given <= INT_MAX:
                return value
        assert completion.serialize is not None
        return cls._leaf(completion.serialize, value)

    @staticmethod
    def _leaf(serialize: Callable[[Any], Any], value: Any) -> Any:
        serialized = serialize(value)
        if serialized is Undefined or serialized is None:
            raise _Fallback
        return serialized

    async def _run(self, plan: ObjectPlan, sources: list[Any]) -> list[dict[str, Any]]:
        if plan.is_type_of is not None:
            for source in sources:
                if plan.is_type_of(source, None) is not True:
                    raise _Fallback
        rows: list[dict[str, Any]] = [{} for _ in sources]
        for f in plan.fields:
            if f.source is Source.TYPENAME:
                for row in rows:
                    row[f.key] = plan.type_name
                continue
            values = await self._column(plan, f, sources)
            assert f.completion is not None
            for row, value in zip(rows, await self._complete(f.completion, values), strict=True):
                row[f.key] = value
        return rows

    async def _column(self, plan: ObjectPlan, f: FieldPlan, sources: list[Any]) -> list[Any]:
        if f.source is Source.ATTRIBUTE:
            return [getattr(source, f.attribute) for source in sources]
        if f.source is Source.NODE_ID:
            return [ids.encode(plan.type_name, getattr(s, f.attribute)) for s in sources]
        if f.source is Source.BATCH:
            return await self._batch_column(f, sources)
        assert f.resolve is not None
        values = [f.resolve(source, f.info, **f.args) for source in sources]
        waiting = [i for i, v in enumerate(values) if self.is_awaitable(v)]
        if waiting:
            for i, result in zip(
                waiting, await asyncio.gather(*(values[i] for i in waiting)), strict=True
            ):
                values[i] = result
        return values


class FastPathSchema(strawberry.Schema):
    """A schema executed by PraoExecutionContext. The fast path reads plain fields without
    calling anything per field, so a schema extension's `resolve` hook would run for some fields
    and not for others: such an extension is refused here, when the schema is built."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", PraoExecutionContext)
        super().__init__(*args, **kwargs)
        # Strawberry makes the instances per request; one of each here tells what they hook.
        for extension in self.get_extensions():
            if type(extension).resolve is not SchemaExtension.resolve:
                raise ResolveHookRefused(
                    f"{type(extension).__name__} defines a resolve hook, which the list fast "
                    "path (api.execution) would skip for plain fields and node ids. Put the "
                    "check on the fields (a field extension or permission class), which the "
                    "fast path honours by resolving those fields the ordinary way."
                )
