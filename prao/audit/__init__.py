"""The audit trail (DESIGN.md §7): events recorded as pupil data is read or things change
(recording), and an organiser admin's read and export of them (log)."""

from prao.audit.recording import (
    COLUMNS,
    LIFT_PROTECTION,
    client,
    fields,
    protection_lifted,
    pupils_read,
    record,
)

__all__ = [
    "COLUMNS",
    "LIFT_PROTECTION",
    "client",
    "fields",
    "protection_lifted",
    "pupils_read",
    "record",
]
