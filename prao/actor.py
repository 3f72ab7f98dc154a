"""Who is asking: a signed-in person, an API token, or nobody."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from prao.models import ApiToken, Permission, Role, User

ALL_PERMISSIONS = frozenset(Permission)


@lru_cache(maxsize=16)
def parse_permissions(text: str) -> frozenset[Permission]:
    """ "read,write" -> {READ, WRITE}; raises ValueError naming an unknown permission. Every
    token request parses its token's few words: each text once."""
    return frozenset(Permission(part.strip()) for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" | "token" | "anonymous"
    id: int | None = None
    role: Role | None = None
    pupil_id: int | None = None
    employer_id: int | None = None
    school_id: int | None = None
    organiser_id: int | None = None
    # People act by role; a token only within what it was granted.
    permissions: frozenset[Permission] = ALL_PERMISSIONS

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def label(self) -> str:
        """Stable identity for audit events."""
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def is_pupil(self) -> bool:
        return self.role is Role.PUPIL

    @property
    def is_token(self) -> bool:
        return self.kind == "token"

    @property
    def is_school_staff(self) -> bool:
        """Coordinators, organiser admins and school-system tokens: may act for pupils."""
        return self.is_token or self.role in (Role.COORDINATOR, Role.ADMIN)

    @property
    def user_id(self) -> int | None:
        return self.id if self.kind == "user" else None

    @classmethod
    def for_user(cls, user: User, organiser_id: int | None = None) -> Actor:
        return cls(
            kind="user",
            id=user.id,
            role=Role(user.role),
            pupil_id=user.pupil_id,
            employer_id=user.employer_id,
            school_id=user.school_id,
            organiser_id=organiser_id if organiser_id is not None else user.organiser_id,
        )

    @classmethod
    def for_token(cls, token: ApiToken, organiser_id: int) -> Actor:
        return cls(
            kind="token",
            id=token.id,
            school_id=token.school_id,
            organiser_id=organiser_id,
            permissions=parse_permissions(token.permissions),
        )


ANONYMOUS = Actor(kind="anonymous")
