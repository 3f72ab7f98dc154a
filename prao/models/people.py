"""Organisers, their schools and pupils (with guardians), employers, and the people who sign in;
an uploaded class list waiting for confirmation."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from prao.models.preparation import ConsentMode


class Role(StrEnum):
    PUPIL = "pupil"
    EMPLOYER = "employer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class EmployerStatus(StrEnum):
    """Self-registered employers wait for an organiser's vetting before they reach pupils."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class Organiser(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    consent_mode = fields.CharEnumField(ConsentMode, max_length=20, default=ConsentMode.OFF)
    # What guardians are told (consent page, placement card, confirmation e-mail): plain
    # paragraphs, escaped when shown. The version goes up with every edit, so a consent
    # records which texts it was given on.
    info_insurance = fields.TextField(default="")
    info_lunch = fields.TextField(default="")
    info_travel = fields.TextField(default="")
    info_contact = fields.TextField(default="")
    info_version = fields.IntField(default=0)
    info_updated_at = fields.DatetimeField(null=True)
    # How long pupil data is kept after a period ends (prao.services.retention).
    retention_months: int = fields.SmallIntField(default=12)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organiser"


class School(Model):
    id = fields.IntField(primary_key=True)
    organiser: fields.ForeignKeyRelation[Organiser] = fields.ForeignKeyField(
        "models.Organiser", related_name="schools", on_delete=fields.RESTRICT
    )
    organiser_id: int
    name = fields.CharField(max_length=200)
    contact_email = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "school"
        unique_together = (("organiser", "name"),)


class Pupil(Model):
    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="pupils", on_delete=fields.RESTRICT
    )
    school_id: int
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100)
    # Annotated: Tortoise types SmallIntField and BigIntField values as Any.
    year_group: int = fields.SmallIntField()
    class_name = fields.CharField(max_length=20, default="")
    email = fields.CharField(max_length=254, null=True)
    birth_date = fields.DateField(null=True)
    security_marking = fields.BooleanField(default=False)
    external_id = fields.CharField(max_length=100, null=True)
    # Set when her personal data was erased (prao.services.erasure): the row stays, blank, so
    # the statistics keep counting her and school systems sync the erasure as a tombstone.
    erased_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "pupil"
        unique_together = (("school", "external_id"),)

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, self.year_group, day)


def age_on(birth_date: date | None, year_group: int, day: date) -> int:
    """A pupil's age in whole years. Without a birth date, the youngest age usual for the year
    group."""
    if birth_date is None:
        # Swedish pupils start year 1 the autumn they turn 7: year N is at least N + 5.
        return year_group + 5
    born = birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Guardian(Model):
    id = fields.IntField(primary_key=True)
    pupil: fields.ForeignKeyRelation[Pupil] = fields.ForeignKeyField(
        "models.Pupil", related_name="guardians", on_delete=fields.CASCADE
    )
    pupil_id: int
    name = fields.CharField(max_length=200, default="")
    email = fields.CharField(max_length=254, null=True)

    class Meta:
        # Every booking message looks up the pupil's guardians.
        table = "guardian"
        indexes = (("pupil_id",),)


class Employer(Model):
    id = fields.IntField(primary_key=True)
    organiser: fields.ForeignKeyRelation[Organiser] = fields.ForeignKeyField(
        "models.Organiser", related_name="employers", on_delete=fields.RESTRICT
    )
    organiser_id: int
    name = fields.CharField(max_length=200)
    org_number = fields.CharField(max_length=20, null=True)
    contact_email = fields.CharField(max_length=254, null=True)
    address = fields.CharField(max_length=200, default="")
    city = fields.CharField(max_length=100, default="")
    # Staff-created and demo employers are approved; self-registration sets PENDING.
    status = fields.CharEnumField(EmployerStatus, max_length=20, default=EmployerStatus.APPROVED)
    decline_reason = fields.TextField(default="")
    decided_by = fields.CharField(max_length=100, default="")  # actor label, as in the audit log
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "employer"
        # One organisation number per organiser: a unique index in migration 0005
        # (NULLs stay distinct, so employers without a number are not affected).


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200, default="")
    role = fields.CharEnumField(Role, max_length=20)
    pupil: fields.ForeignKeyNullableRelation[Pupil] = fields.ForeignKeyField(
        "models.Pupil", related_name="users", null=True, on_delete=fields.CASCADE
    )
    pupil_id: int | None
    employer: fields.ForeignKeyNullableRelation[Employer] = fields.ForeignKeyField(
        "models.Employer", related_name="users", null=True, on_delete=fields.CASCADE
    )
    employer_id: int | None
    school: fields.ForeignKeyNullableRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="staff", null=True, on_delete=fields.CASCADE
    )
    school_id: int | None
    organiser: fields.ForeignKeyNullableRelation[Organiser] = fields.ForeignKeyField(
        "models.Organiser", related_name="admins", null=True, on_delete=fields.CASCADE
    )
    organiser_id: int | None
    is_active = fields.BooleanField(default=True)
    # Stamped into the session on sign-in and checked on every request: bumping it ends
    # every session of the user at once (sign-out, deactivation, "logga ut överallt").
    session_version = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "app_user"
        indexes = (("pupil_id",), ("employer_id",), ("school_id",), ("organiser_id",))


class ClassListImport(Model):
    """An uploaded class list, kept between preview and confirmation."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="imports", on_delete=fields.CASCADE
    )
    school_id: int
    uploaded_by = fields.CharField(max_length=100)
    filename = fields.CharField(max_length=255, default="")
    content = fields.TextField()  # decoded to text on upload
    created_at = fields.DatetimeField(auto_now_add=True)
    applied_at = fields.DatetimeField(null=True)

    class Meta:
        table = "class_list_import"
        indexes = (("school_id",),)
