"""The evaluations after a placement. The pupil answers five short questions on the web, signed
in, once, for her own confirmed booking from the day after its last day; the supervisor answers
three from a one-time link, once. The answers are the pupil's own: her school sees whether she
answered, a workplace sees only averages over at least policy.MIN_GROUP pupils, and free text
reaches no one but her."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from prao import audit, clock, policy
from prao.actor import Actor
from prao.auth import hash_secret
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.models import (
    Booking,
    BookingLink,
    BookingStatus,
    Evaluation,
    HostAgain,
    LinkPurpose,
    Role,
)
from prao.services import attendance
from prao.validation import character_errors, clean_text, text_problem, valid_id

# The pupil's four scale questions, each with its own four answers, in the order of the form:
# plain words for a 14-year-old, no middle answer to hide behind.
PUPIL_QUESTIONS: dict[str, tuple[str, dict[int, str]]] = {
    "overall": (
        "Hur var din prao?",
        {1: "Dålig", 2: "Inte så bra", 3: "Bra", 4: "Jättebra"},
    ),
    "learned": (
        "Lärde du dig något om hur det är att jobba där?",
        {1: "Nej, inget", 2: "Lite", 3: "Ganska mycket", 4: "Väldigt mycket"},
    ),
    "treated_well": (
        "Blev du bra bemött av dem som jobbar där?",
        {1: "Nej, inte alls", 2: "Inte så bra", 3: "Ja, för det mesta", 4: "Ja, hela tiden"},
    ),
    "recommend": (
        "Skulle du tipsa en kompis om den här praoplatsen?",
        {1: "Nej", 2: "Nog inte", 3: "Kanske", 4: "Ja, absolut"},
    ),
}
PUPIL_COMMENT = "Vill du berätta något mer? Vad var bäst, och vad kunde ha varit bättre?"
WENT_WELL = (
    "Hur gick praon?",
    {1: "Inte bra", 2: "Sådär", 3: "Bra", 4: "Mycket bra"},
)
HOST_AGAIN = "Vill ni ta emot praoelever igen?"
HOST_AGAIN_TEXT = {HostAgain.YES: "Ja", HostAgain.MAYBE: "Kanske", HostAgain.NO: "Nej"}
PLACES = "Hur många praoplatser tror ni att ni kan erbjuda nästa år?"
MAX_PLACES = 99
COMMENT_LENGTH = 1000
MIN_GROUP = policy.MIN_GROUP  # for the pages, which say how many answers it takes
# How long after the last day the pupil may still answer (the supervisor's link lasts as long).
ANSWER_DAYS = 60


def pick_one(question: str) -> str:
    """The error of an unanswered question names it: the summary lists several at once."""
    return f"Välj ett svar: {question}"


ALREADY_ANSWERED = "Du har redan svarat. Tack! Här är dina svar."
HOST_ALREADY_ANSWERED = "Utvärderingen är redan besvarad. Tack för era svar!"
NOT_ENDED = "Du kan svara när praon är slut, från dagen efter sista praodagen."
TOO_LATE = "Tiden för att svara har gått ut."
NOT_PLACED = "Du kan bara svara om en prao du har gjort."
BAD_PLACES = f"Skriv ett antal mellan 0 och {MAX_PLACES}, eller lämna rutan tom."
LINK_EXPIRED = "Länken har slutat gälla. Kontakta elevens skola om ni ändå vill svara."


def answer_window(end_date: date) -> tuple[date, date]:
    """The first and the last day the pupil may answer."""
    return end_date + timedelta(days=1), end_date + timedelta(days=ANSWER_DAYS)


async def row_for(booking: Booking) -> Evaluation:
    """The booking's evaluation row, made if it is not there yet (slot fetched); a row made by
    someone else at the same moment is the one answered."""
    found = await Evaluation.get_or_none(booking_id=booking.id)
    if found is not None:
        return found
    try:
        return await Evaluation.create(
            booking_id=booking.id,
            period_id=booking.period_id,
            school_id=booking.pupil.school_id,
            employer_id=booking.slot.employer_id,
            trade=booking.slot.trade,
        )
    except IntegrityError:
        return await Evaluation.get(booking_id=booking.id)


def _score(form: dict[str, str], name: str, scale: dict[int, str]) -> int | None:
    text = (form.get(name) or "").strip()
    return next((score for score in scale if str(score) == text), None)


def _comment_errors(name: str, text: str) -> list[DomainError]:
    errors = character_errors({name: text})
    if not errors and (problem := text_problem(text.strip(), COMMENT_LENGTH)):
        errors.append(DomainError.of(ErrorCode.INVALID, name, problem))
    return errors


# The pupil


@dataclass(frozen=True)
class PupilAnswers:
    scores: dict[str, int]
    comment: str


def pupil_answers(form: dict[str, str]) -> tuple[PupilAnswers, list[DomainError]]:
    """The form as answers, and every problem of it, each on its field."""
    scores: dict[str, int] = {}
    errors: list[DomainError] = []
    for name, (question, scale) in PUPIL_QUESTIONS.items():
        score = _score(form, name, scale)
        if score is None:
            errors.append(DomainError.of(ErrorCode.INVALID, name, pick_one(question)))
        else:
            scores[name] = score
    comment = form.get("comment") or ""
    errors += _comment_errors("comment", comment)
    return PupilAnswers(scores, comment), errors


@dataclass(frozen=True)
class PupilForm:
    booking: Booking  # with slot__employer fetched
    evaluation: Evaluation | None

    @property
    def answered(self) -> bool:
        return self.evaluation is not None and self.evaluation.pupil_answered_at is not None

    def answer_text(self, name: str) -> str:
        score = getattr(self.evaluation, name, None)
        return PUPIL_QUESTIONS[name][1].get(score, "") if score else ""


def _refusal(booking: Booking, today: date) -> DomainError | None:
    if booking.status != BookingStatus.CONFIRMED:
        return DomainError.of(ErrorCode.NOT_ACTIVE, "booking_id", NOT_PLACED)
    first, last = answer_window(booking.slot.end_date)
    if today < first:
        return DomainError.of(ErrorCode.INVALID, "booking_id", NOT_ENDED)
    if today > last:
        return DomainError.of(ErrorCode.INVALID, "booking_id", TOO_LATE)
    return None


async def pupil_form(actor: Actor, booking_id: int) -> Outcome[PupilForm]:
    """The pupil's own evaluation of her booking: to answer, or as she answered it. Anyone
    else's booking, and anyone but a pupil, finds nothing."""
    if not actor.is_pupil or not valid_id(booking_id):
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    booking = (
        await policy.bookings(actor)
        .filter(id=booking_id)
        .select_related("pupil", "slot__employer")
        .first()
    )
    if booking is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "booking_id")
    found = await Evaluation.get_or_none(booking_id=booking.id)
    answered = found is not None and found.pupil_answered_at is not None
    if not answered and (refusal := _refusal(booking, clock.today())) is not None:
        return Outcome(errors=[refusal])
    return Outcome(value=PupilForm(booking, found))


async def answer(actor: Actor, booking_id: int, form: dict[str, str]) -> Outcome[PupilForm]:
    """Answer once: a conditional UPDATE on the unanswered row, so a second answer (or two at
    once) changes nothing and is refused as DUPLICATE."""
    opened = await pupil_form(actor, booking_id)
    if opened.value is None:
        return opened
    if opened.value.answered:
        return Outcome.fail(ErrorCode.DUPLICATE, "booking_id", ALREADY_ANSWERED)
    answers, errors = pupil_answers(form)
    if errors:
        return Outcome(errors=errors)
    booking = opened.value.booking
    row = await row_for(booking)
    now = clock.now()
    try:
        async with in_transaction() as conn:
            done = (
                await Evaluation.filter(id=row.id, pupil_answered_at__isnull=True)
                .using_db(conn)
                .update(
                    pupil_answered_at=now,
                    pupil_comment=clean_text(answers.comment),
                    updated_at=now,
                    **answers.scores,
                )
            )
            if not done:
                raise Refused(DomainError.of(ErrorCode.DUPLICATE, "booking_id", ALREADY_ANSWERED))
            await audit.record(
                actor, "answer", "evaluation", connection=conn, booking_id=booking.id
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return await pupil_form(actor, booking_id)


async def pupil_states(bookings: list[Booking]) -> dict[int, str]:
    """For the pupil's own pages: "open" where she may answer now, "answered" where she has
    (bookings with slot fetched)."""
    rows = await Evaluation.filter(
        booking_id__in=[b.id for b in bookings], pupil_answered_at__isnull=False
    ).values("booking_id")
    answered = {row["booking_id"] for row in rows}
    today = clock.today()
    states: dict[int, str] = {}
    for booking in bookings:
        if booking.id in answered:
            states[booking.id] = "answered"
        elif _refusal(booking, today) is None:
            states[booking.id] = "open"
    return states


# The supervisor, by one-time link


@dataclass(frozen=True)
class HostAnswers:
    went_well: int
    host_again: HostAgain
    places_next_year: int | None
    comment: str


def host_answers(form: dict[str, str]) -> tuple[HostAnswers | None, list[DomainError]]:
    errors: list[DomainError] = []
    went_well = _score(form, "went_well", WENT_WELL[1])
    if went_well is None:
        errors.append(DomainError.of(ErrorCode.INVALID, "went_well", pick_one(WENT_WELL[0])))
    again_text = (form.get("host_again") or "").strip()
    again = HostAgain(again_text) if again_text in set(HostAgain) else None
    if again is None:
        errors.append(DomainError.of(ErrorCode.INVALID, "host_again", pick_one(HOST_AGAIN)))
    places_text = (form.get("places_next_year") or "").strip()
    places: int | None = None
    if places_text:
        # ASCII digits only: str.isdigit also passes "²", which int() refuses.
        if places_text.isascii() and places_text.isdigit() and len(places_text) <= 2:
            places = int(places_text)
        else:
            errors.append(DomainError.of(ErrorCode.INVALID, "places_next_year", BAD_PLACES))
    comment = form.get("comment") or ""
    errors += _comment_errors("comment", comment)
    if errors or went_well is None or again is None:
        return None, errors
    return HostAnswers(went_well, again, places, comment), []


@dataclass(frozen=True)
class HostPage:
    link: BookingLink
    evaluation: Evaluation
    booking: Booking  # with pupil__school and slot__employer fetched

    @property
    def pupil(self) -> policy.PupilView:
        return policy.workplace_view(self.booking.pupil, self.booking.pupil.school)

    @property
    def answered(self) -> bool:
        return self.evaluation.supervisor_answered_at is not None


async def open_host(booking_id: int, raw: str, now: datetime | None = None) -> Outcome[HostPage]:
    """The evaluation a link asks for. Opening changes nothing (mail scanners open links); an
    answered one is shown as answered."""
    now = now or clock.now()
    if not valid_id(booking_id) or not raw or len(raw) > 100:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", attendance.UNKNOWN_LINK)
    link = await BookingLink.get_or_none(
        token_hash=hash_secret(raw), purpose=LinkPurpose.EVALUATE_PLACEMENT
    )
    if link is None or link.booking_id != booking_id:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", attendance.UNKNOWN_LINK)
    found = await Evaluation.get_or_none(booking_id=booking_id)
    if found is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "token", attendance.UNKNOWN_LINK)
    if found.supervisor_answered_at is None and link.expires_at <= now:
        return Outcome.fail(ErrorCode.LINK_EXPIRED, "token", LINK_EXPIRED)
    booking = (
        await Booking.filter(id=booking_id).select_related("pupil__school", "slot__employer").get()
    )
    if booking.status != BookingStatus.CONFIRMED:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "token", attendance.NOT_PLACED)
    return Outcome(value=HostPage(link, found, booking))


async def answer_host(booking_id: int, raw: str, form: dict[str, str]) -> Outcome[HostPage]:
    """Answer once: the evaluation by a conditional UPDATE (a second answer, by this or any
    other link of the booking, changes nothing), the link spent in the same transaction."""
    now = clock.now()
    opened = await open_host(booking_id, raw, now)
    if opened.value is None:
        return opened
    page = opened.value
    if page.answered:
        return Outcome.fail(ErrorCode.LINK_USED, "token", HOST_ALREADY_ANSWERED)
    answers, errors = host_answers(form)
    if answers is None:
        return Outcome(errors=errors)
    try:
        async with in_transaction() as conn:
            spent = (
                await BookingLink.filter(id=page.link.id, used_at__isnull=True, expires_at__gt=now)
                .using_db(conn)
                .update(used_at=now)
            )
            done = (
                await Evaluation.filter(id=page.evaluation.id, supervisor_answered_at__isnull=True)
                .using_db(conn)
                .update(
                    supervisor_answered_at=now,
                    went_well=answers.went_well,
                    host_again=answers.host_again,
                    places_next_year=answers.places_next_year,
                    supervisor_comment=clean_text(answers.comment),
                    updated_at=now,
                )
            )
            if not spent or not done:
                raise Refused(DomainError.of(ErrorCode.LINK_USED, "token", HOST_ALREADY_ANSWERED))
            await audit.record(
                Actor(
                    kind="supervisor-link",
                    id=page.link.id,
                    organiser_id=page.booking.slot.employer.organiser_id,
                ),
                "answer",
                "evaluation",
                connection=conn,
                booking_id=booking_id,
            )
    except Refused as refused:
        return Outcome(errors=[refused.error])
    return await open_host(booking_id, raw)


# What others may see


@dataclass(frozen=True)
class Summary:
    """The pupils' answers about one workplace, as the workplace may see them."""

    pupils: int
    averages: dict[str, float] | None  # by question; None: too few pupils to show

    @property
    def shown(self) -> bool:
        return self.averages is not None


async def workplace_summary(actor: Actor) -> Summary | None:
    """Averages over the pupils' answers about the actor's workplace, shown only when at least
    policy.MIN_GROUP pupils answered; never a single answer, never the free text. None for
    anyone but a workplace's own people."""
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return None
    answered = Evaluation.filter(employer_id=actor.employer_id, pupil_answered_at__isnull=False)
    pupils = len(
        set(
            await Booking.filter(
                evaluations__employer_id=actor.employer_id,
                evaluations__pupil_answered_at__isnull=False,
            ).values_list("pupil_id", flat=True)
        )
    )
    if not policy.group_shown(pupils):
        return Summary(pupils, None)
    # Sums, divided here: Tortoise returns an average of integer columns as an integer.
    rows = (
        await answered.annotate(
            answers=Count("id"), **{f"sum_{name}": Sum(name) for name in PUPIL_QUESTIONS}
        )
        .group_by("employer_id")
        .values("answers", *(f"sum_{name}" for name in PUPIL_QUESTIONS))
    )
    row = rows[0]
    averages = {name: round(row[f"sum_{name}"] / row["answers"], 1) for name in PUPIL_QUESTIONS}
    return Summary(pupils, averages)


@dataclass(frozen=True)
class Response:
    """Whether each side has answered, for the school's overview (never the answers)."""

    pupil_answered: bool
    supervisor_answered: bool
    supervisor_asked: bool


async def responses(booking_ids: list[int]) -> dict[int, Response]:
    rows = await Evaluation.filter(booking_id__in=booking_ids)
    return {
        r.booking_id: Response(
            r.pupil_answered_at is not None,
            r.supervisor_answered_at is not None,
            r.supervisor_asked_at is not None,
        )
        for r in rows
        if r.booking_id is not None
    }
