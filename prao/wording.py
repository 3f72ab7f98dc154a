"""Swedish words for what happened to a booking: its status as pages and messages show it, and
the subject and headline of each booking message per kind of reader; dates and times written
the way Swedes write them, the same in e-mails as on the pages ("11–22 januari 2027")."""

from __future__ import annotations

from datetime import date, datetime

from prao.clock import local
from prao.models import AllocationPolicy, AllocationStatus, BookingStatus

MONTHS = [
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]  # fmt: skip


def datum(day: date | datetime) -> str:
    """A day ("11 januari 2027"), or a moment in Swedish time ("11 januari 2027 kl. 08:00")."""
    if isinstance(day, datetime):
        moment = local(day)
        return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} kl. {moment:%H:%M}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def date_range(start: date, end: date) -> str:
    """Two days, with what they share said once: "11–22 januari 2027"."""
    if start == end:
        return datum(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]} – {datum(end)}"
    return f"{datum(start)} – {datum(end)}"


STATUS_TEXT = {
    BookingStatus.PENDING: "Väntar på arbetsplatsens godkännande",
    BookingStatus.CONFIRMED: "Bekräftad",
    BookingStatus.DECLINED: "Nekad",
    BookingStatus.CANCELLED: "Avbokad",
}

SUBJECTS = {
    "booking_created": "Bokning av praoplats",
    "booking_approved": "Bekräftad praoplats",
    "booking_declined": "Nekad bokning av praoplats",
    "booking_cancelled": "Avbokad praoplats",
    "self_found_confirmed": "Bekräftad egenfunnen praoplats",
}

# What happened, told to each kind of recipient; "{name}" is the pupil as that recipient may see
# her. A booking_created text depends on whether the booking waits for the employer's approval.
HEADLINES: dict[str, dict[str, str]] = {
    "pupil": {
        "booking_created": "Din praoplats är bokad.",
        "booking_created_pending": "Du har skickat en förfrågan om praoplatsen. Arbetsplatsen "
        "behöver godkänna den, och du får ett mejl när de har svarat.",
        "booking_approved": "Arbetsplatsen har godkänt dig. Din praoplats är bekräftad.",
        "booking_declined": "Arbetsplatsen kunde tyvärr inte ta emot dig. Logga in i Prao och "
        "välj en annan plats.",
        "booking_cancelled": "Din bokning av praoplatsen är avbokad.",
        "self_found_confirmed": "Arbetsplatsen har bekräftat din egenfunna praoplats.",
    },
    "guardian": {
        "booking_created": "{name} har bokat en praoplats.",
        "booking_created_pending": "{name} har skickat en förfrågan om en praoplats. "
        "Arbetsplatsen behöver godkänna den.",
        "booking_approved": "Arbetsplatsen har godkänt {name}. Praoplatsen är bekräftad.",
        "booking_declined": "Arbetsplatsen kunde tyvärr inte ta emot {name}, som behöver välja "
        "en annan plats.",
        "booking_cancelled": "Bokningen av praoplatsen för {name} är avbokad.",
        "self_found_confirmed": "Arbetsplatsen har bekräftat den egenfunna praoplatsen för {name}.",
    },
    "employer": {
        "booking_created": "{name} har bokat en praoplats hos er.",
        "booking_created_pending": "{name} vill göra prao hos er. Logga in i Prao och godkänn "
        "eller neka förfrågan.",
        "booking_approved": "Ni har godkänt {name}. Praoplatsen är bekräftad.",
        "booking_declined": "Ni har nekat {name}. Platsen är ledig igen.",
        "booking_cancelled": "Bokningen för {name} är avbokad. Platsen är ledig igen.",
        "self_found_confirmed": "Tack! Ni har bekräftat praoplatsen för {name}.",
    },
}


def count(n: int, one: str, many: str) -> str:
    """A number with its noun in agreement: "1 bokning", "2 bokningar", "0 bokningar"."""
    return f"{n} {one if n == 1 else many}"


# What each allocation policy aims at, in words a teacher uses; the technical name beside it
# is for whoever compares it with the literature (or with another system's settings).
POLICY_TEXT = {
    AllocationPolicy.CONVEX: "Så många som möjligt får något av sina första önskemål, och få får"
    " sitt sista",
    AllocationPolicy.LINEAR: "Varje steg ner i önskelistan väger lika mycket",
    AllocationPolicy.MOST_FIRST_WISHES: "Så många som möjligt får sitt förstahandsönskemål",
    AllocationPolicy.FEWEST_LAST_WISHES: "Så få som möjligt får sitt sista önskemål",
}
POLICY_TECHNICAL = {
    AllocationPolicy.CONVEX: "konvex kostnad per steg ner i listan (min-kostnadsflöde)",
    AllocationPolicy.LINEAR: "linjär kostnad per steg ner i listan (min-kostnadsflöde)",
    AllocationPolicy.MOST_FIRST_WISHES: "lexikografisk: flest förstahandsönskemål först",
    AllocationPolicy.FEWEST_LAST_WISHES: "lexikografisk: färst sista önskemål först",
}
RUN_STATUS = {
    AllocationStatus.QUEUED: "I kö",
    AllocationStatus.RUNNING: "Pågår",
    AllocationStatus.DONE: "Förslag, inte tillämpat",
    AllocationStatus.APPLIED: "Tillämpat",
    AllocationStatus.FAILED: "Misslyckades",
    AllocationStatus.STALE: "Inaktuellt",
}


# The trades an employer picks from on the web, so that a pupil's filter finds every place of
# a trade under one name (typed freely, "Vård", "vård & omsorg" and "Omsorg" were three).
# The API keeps accepting any text: school systems may use their own list.
TRADES = [
    "Bygg och anläggning",
    "Fordon och transport",
    "Förskola och skola",
    "Handel",
    "Hotell och turism",
    "IT och media",
    "Industri och tillverkning",
    "Kultur och fritid",
    "Natur och djur",
    "Offentlig förvaltning",
    "Restaurang och café",
    "Vård och omsorg",
    "Annan bransch",
]
