"""The organiser's information texts for guardians and pupils (insurance, lunch, travel,
contact): plain paragraphs, shown escaped on the consent page and the placement card, and at
the end of a confirmed placement's e-mail to the pupil and her guardians."""

from __future__ import annotations

from dataclasses import dataclass

from prao.models import Organiser

# (column, heading): the order they are shown in.
INFO_FIELDS: tuple[tuple[str, str], ...] = (
    ("info_insurance", "Försäkring"),
    ("info_lunch", "Lunch"),
    ("info_travel", "Resor"),
    ("info_contact", "Kontakt"),
)
MAX_INFO = 4000  # characters per text


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class InfoTexts:
    version: int
    sections: tuple[Section, ...]  # only the texts that are filled in

    @property
    def empty(self) -> bool:
        return not self.sections

    def mail_lines(self) -> list[str]:
        """The texts as the end of an e-mail body: each heading, then its paragraphs."""
        if not self.sections:
            return []
        lines: list[str] = ["", "Information från kommunen"]
        for section in self.sections:
            lines += ["", f"{section.heading}:", *_spaced(section.paragraphs)]
        return lines


def paragraphs(text: str) -> tuple[str, ...]:
    """A text's paragraphs: separated by blank lines, each line's spaces tidied."""
    blocks = text.replace("\r\n", "\n").split("\n\n")
    found = (" ".join(line.strip() for line in b.split("\n") if line.strip()) for b in blocks)
    return tuple(p for p in found if p)


def info_texts(organiser: Organiser) -> InfoTexts:
    sections = tuple(
        Section(heading, paragraphs(getattr(organiser, column) or ""))
        for column, heading in INFO_FIELDS
    )
    return InfoTexts(organiser.info_version, tuple(s for s in sections if s.paragraphs))


def _spaced(items: tuple[str, ...]) -> list[str]:
    lines: list[str] = []
    for i, item in enumerate(items):
        lines += [item] if i == 0 else ["", item]
    return lines
