"""The certificate on paper: one A4 page made with fpdf2, in Helvetica (its Latin-1 covers
Swedish), naming the organiser and carrying the verification code and where to check it."""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from prao.clock import local
from prao.models import Certificate
from prao.pupil_view import PupilView
from prao.services.certificate import ITEMS, SCALE
from prao.wording import date_range, datum

CONTENT_TYPE = "application/pdf"
_TYPOGRAPHY = str.maketrans({"–": "-", "—": "-", "’": "'", "“": '"', "”": '"', "…": "..."})


def _latin1(text: str) -> str:
    """What Helvetica can print: typographic dashes and quotes as plain ones, anything else
    outside Latin-1 as a question mark."""
    return text.translate(_TYPOGRAPHY).encode("latin-1", "replace").decode("latin-1")


def filename(certificate: Certificate) -> str:
    return f"praktikintyg-{(certificate.code or 'utkast').lower()}.pdf"


def render(certificate: Certificate, pupil: PupilView, verify_url: str) -> bytes:
    """The PDF bytes. `pupil` is the view of whoever downloads it: the pupil and her school
    see her whole name, a workplace what it may see."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(_latin1(f"Praktikintyg för {pupil.name}"))
    pdf.set_author(_latin1(certificate.organiser_name or "Prao"))
    pdf.set_creator("Prao")
    pdf.set_lang("sv")
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 11, style: str = "", height: float = 6) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(certificate.organiser_name, 10, "", 5)
    pdf.ln(4)
    line("Praktikintyg", 22, "B", 10)
    line("Praktisk arbetslivsorientering (prao)", 11, "", 6)
    pdf.ln(6)
    facts = [
        ("Elev", pupil.name),
        ("Skola", pupil.school_name or ""),
        ("Arbetsplats", certificate.employer_name),
    ]
    if certificate.start_date and certificate.end_date:
        facts.append(("Period", date_range(certificate.start_date, certificate.end_date)))
    facts.append(
        ("Närvaro", f"{certificate.days_attended} av {certificate.days_total} arbetsdagar")
    )
    for label, value in facts:
        if not value:
            continue
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(40, 7, _latin1(label))
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(width - 40, 7, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    line("Arbetsuppgifter", 13, "B", 8)
    line(certificate.tasks)
    pdf.ln(4)
    line("Handledarens bedömning", 13, "B", 8)
    for item, label in ITEMS.items():
        score = getattr(certificate, item)
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(80, 7, _latin1(label))
        pdf.set_font("Helvetica", "B", 11)
        text = f"{SCALE.get(score, '')} ({score} av 4)" if score else ""
        pdf.cell(width - 80, 7, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if certificate.comment:
        pdf.ln(4)
        line("Kommentar", 13, "B", 8)
        line(certificate.comment)
    pdf.ln(8)
    signed = certificate.signed_at
    when = _signed_text(signed) if signed else ""
    line(f"Signerat av {certificate.signed_name}, handledare, {when}", 11)
    pdf.ln(10)
    pdf.set_draw_color(150, 150, 150)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.ln(3)
    line(f"Kontrollkod: {certificate.code}", 12, "B", 7)
    line(f"Kontrollera att intyget är äkta: {verify_url}", 9, "", 5)
    return bytes(pdf.output())


def _signed_text(moment: datetime) -> str:
    return f"{datum(moment)} kl. {local(moment):%H:%M}"
