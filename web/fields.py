"""Domain errors name their field in the domain's words; each form names its inputs as its page
does. This is the one place that says which input a domain field is shown beside."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prao.errors import DomainError


def _spelling(name: str) -> str:
    """start_date, startDate and StartDate are one word spelled three ways."""
    return name.replace("_", "").lower()


@dataclass(frozen=True)
class FormFields:
    """The names of a form's inputs, and the domain fields that the page calls otherwise."""

    inputs: tuple[str, ...]
    renamed: Mapping[str, str] = field(default_factory=dict)

    def input_for(self, domain_field: str | None) -> str:
        """The input an error on this domain field belongs beside; "" for an error about no
        field, the domain's own name for a field the form does not have."""
        if not domain_field:
            return ""
        wanted = _spelling(domain_field)
        for word, name in self.renamed.items():
            if _spelling(word) == wanted:
                return name
        return next((i for i in self.inputs if _spelling(i) == wanted), domain_field)

    def is_on(self, error: DomainError, name: str) -> bool:
        """Whether the error is about this input of the form."""
        return self.input_for(error.field) == name

    def errors(self, errors: Iterable[DomainError]) -> dict[str, str]:
        """The first message per input; errors about no field go under ""."""
        found: dict[str, str] = {}
        for error in errors:
            found.setdefault(self.input_for(error.field), error.message)
        return found


SLOT_FORM = FormFields(
    (
        "title",
        "description",
        "tasks",
        "trade",
        "address",
        "city",
        "startDate",
        "endDate",
        "dayStartsAt",
        "dayEndsAt",
        "breakMinutes",
        "capacity",
        "minAge",
        "visibleToAll",
        "schoolIds",
        "requiresApproval",
    )
)
PERIOD_FORM = FormFields(
    (
        "name",
        "year_group",
        "start_date",
        "end_date",
        "booking_opens_at",
        "booking_closes_at",
        "cancel_deadline",
        "mode",
        "max_wishes",
        "allocation_policy",
    )
)
SELF_FOUND_FORM = FormFields(
    ("name", "contactEmail", "startDate", "endDate", "tasks", "address", "city")
)
SIGN_UP_FORM = FormFields(
    ("organiserId", "name", "orgNumber", "address", "city", "contactEmail", "contactName")
)
INVITE_FORM = FormFields(("email", "name"))
# The form chooses the token's reach: the whole organiser, or one school.
TOKEN_FORM = FormFields(("name", "scope", "permissions", "expires_on"), {"school_id": "scope"})
REASON_FORM = FormFields(("reason",))  # declining a pupil or a workplace
CLASS_LIST_FORM = FormFields(("file",))
RUN_FORM = FormFields(("seed", "policy"))  # starting an allocation run
APPLY_FORM = FormFields(("confirm",))  # applying its proposal
