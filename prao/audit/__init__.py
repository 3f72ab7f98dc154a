"""The audit trail (DESIGN.md §7): events recorded as pupil data is read or things change
(recording), and an organiser admin's read and export of them (log)."""

from prao.audit.recording import LIFT_PROTECTION, client, protection_lifted, pupils_read, record

__all__ = ["LIFT_PROTECTION", "client", "protection_lifted", "pupils_read", "record"]
