"""Working-hours rules for minors (Arbetsmiljöverket, AFS 2012:3) and the clock times they are
typed in: each refusal names the field it is about, so a form can show it beside that field."""

from __future__ import annotations

from prao.errors import DomainError, ErrorCode

MAX_WORK_MINUTES = 7 * 60
NIGHT_STARTS = 20 * 60  # no work from 20:00 …
NIGHT_ENDS = 6 * 60  # … until 06:00
LONG_DAY_MINUTES = 4 * 60 + 30  # more work than this in a day needs a break
MIN_BREAK_MINUTES = 30
MINUTES_PER_DAY = 24 * 60


def parse_clock(text: str) -> int | None:
    """ "08:00" or "8.30" as minutes after midnight; None when it is not a time of day."""
    hours, sep, minutes = text.strip().replace(".", ":").partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        return None
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        return None
    return h * 60 + m


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hours_errors(starts: int, ends: int, break_minutes: int) -> list[DomainError]:
    """Why these daily hours are not allowed for a minor, or [] when they are."""
    if ends <= starts:
        return [
            DomainError.of(
                ErrorCode.END_BEFORE_START, "day_ends_at", "Sluttiden måste vara efter starttiden."
            )
        ]
    errors: list[DomainError] = []
    if starts < NIGHT_ENDS:
        errors.append(_night("day_starts_at"))
    if ends > NIGHT_STARTS:
        errors.append(_night("day_ends_at"))
    span = ends - starts
    if break_minutes < 0 or break_minutes >= span:
        errors.append(
            DomainError.of(
                ErrorCode.INVALID, "break_minutes", "Rasten måste vara kortare än arbetsdagen."
            )
        )
        return errors
    work = span - break_minutes
    if work > MAX_WORK_MINUTES:
        errors.append(
            DomainError.of(
                ErrorCode.HOURS_NOT_ALLOWED,
                "day_ends_at",
                f"Minderåriga får arbeta högst 7 timmar om dagen (nu {_duration(work)}).",
            )
        )
    if work > LONG_DAY_MINUTES and break_minutes < MIN_BREAK_MINUTES:
        errors.append(
            DomainError.of(
                ErrorCode.HOURS_NOT_ALLOWED,
                "break_minutes",
                "Arbetsdagar över 4,5 timmar behöver minst 30 minuters rast.",
            )
        )
    return errors


def _night(field: str) -> DomainError:
    return DomainError.of(
        ErrorCode.HOURS_NOT_ALLOWED, field, "Minderåriga får inte arbeta mellan 20:00 och 06:00."
    )


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} tim {rest} min" if rest else f"{hours} tim"
