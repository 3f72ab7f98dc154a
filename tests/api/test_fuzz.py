"""Schemathesis generates queries and mutations from the checked-in schema.graphql (production
has no introspection) and sends them, with a real school token, to the app: no answer may be a
server error or an invalid GraphQL response.

Hypothesis drives synchronous code, so it runs in a worker thread; each request is sent on the
test's event loop, where the database connections live.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, checks
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode

from tests.api.test_schema import SCHEMA_FILE
from tests.callers import Caller
from tests.factories import World

EXAMPLES_PER_OPERATION = 30
ENDPOINT = "http://testserver/graphql"


def reached_resolver(response: httpx.Response) -> bool:
    """Data came back, or a resolver itself refused an argument (such errors carry a path)."""
    if response.status_code != 200:
        return False
    body = response.json()
    if body.get("data") is not None:
        return True
    return any(
        error.get("path") and error.get("extensions", {}).get("code") == "BAD_USER_INPUT"
        for error in body.get("errors", [])
    )


async def test_generated_requests_get_no_server_errors(world: World, as_token) -> None:
    api: Caller = await as_token(world.school_a)
    schema = schemathesis.graphql.from_path(SCHEMA_FILE)
    operations: list[APIOperation[Any, Any, Any, Any]] = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    loop = asyncio.get_running_loop()
    sent: Counter[str] = Counter()
    answered: Counter[str] = Counter()

    def send(request: dict[str, Any]) -> httpx.Response:
        call = api.client.request(
            request["method"], request["url"], json=request["json"], headers=api.headers
        )
        return asyncio.run_coroutine_threadsafe(call, loop).result(timeout=60)

    def fuzz(operation, mode: GenerationMode) -> None:
        extra = [checks.negative_data_rejection] if mode.is_negative else []

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            response = send(case.as_transport_kwargs(base_url=ENDPOINT))
            sent[operation.label] += 1
            if reached_resolver(response):
                answered[f"{operation.label} {mode.value}"] += 1
            case.validate_response(
                response,
                checks=[checks.not_a_server_error, checks.response_schema_conformance, *extra],
            )

        run()

    def fuzz_all() -> None:
        for operation in operations:
            for mode in GenerationMode:
                fuzz(operation, mode)

    await asyncio.to_thread(fuzz_all)

    labels = {operation.label for operation in operations}
    assert labels == {
        "Query.node",
        "Query.nodes",
        "Query.viewer",
        "Query.slots",
        "Query.bookings",
        "Query.pupils",
        "Query.periods",
        "Mutation.bookSlot",
        "Mutation.cancelBooking",
        "Mutation.createSlot",
        "Mutation.updateSlot",
        "Mutation.publishSlot",
        "Mutation.closeSlot",
        "Mutation.decideBooking",
        "Mutation.registerSelfFoundPlacement",
        "Mutation.submitWishes",
        "Query.allocationRun",
        "Mutation.startAllocationRun",
        "Mutation.applyAllocationRun",
        "Mutation.createPeriod",
        "Mutation.updatePeriod",
        "Mutation.placePupil",
        "Mutation.sendUnplacedReminders",
        "Query.periodOverview",
        "Query.periodStatistics",
        "Query.rateLimit",
        "Mutation.upsertPupils",
        "Mutation.approveEmployer",
        "Mutation.declineEmployer",
        "Query.riskAssessments",
        "Mutation.submitRiskAssessment",
        "Mutation.approveRiskAssessment",
        "Mutation.requestRiskAssessmentChange",
        "Query.guardianConsents",
        "Mutation.recordPaperConsent",
        "Mutation.recordAttendance",
    }
    assert set(sent) == labels and all(n >= 10 for n in sent.values()), sent
    # Positive cases reach the resolvers, not only validation.
    assert {label for label in labels if answered[f"{label} positive"]} == labels, answered
