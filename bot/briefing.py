"""A briefing pack for a topic: a PowerPoint deck a trainer can present as it is.

Slides: a title, the talking points (each with its era and citation), the chart of the series
that fits the topic best (when the figures table has one), and the sources with their eras.
Everything comes from the knowledge base, like the talking points and charts it reuses.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from bot.charts import NoFiguresError, load_figures, render_chart
from bot.talking_points import talking_points

WIDE = (13.333, 7.5)  # inches: a 16:9 slide
POINTS_PER_SLIDE = 4


@dataclass
class Briefing:
    topic: str
    pptx: bytes
    slide_count: int
    has_chart: bool


def build_briefing(assistant, topic: str, today: dt.date | None = None) -> Briefing | None:
    """The deck for `topic`, or None when the documents have no material on it."""
    from pptx import Presentation
    from pptx.util import Inches

    points = talking_points(assistant, topic)
    if not points.found:
        return None
    try:
        chart = render_chart(load_figures(assistant), topic)
    except NoFiguresError:
        chart = None

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(WIDE[0]), Inches(WIDE[1])
    _title_slide(prs, topic, today or dt.date.today())
    rendered = points.points
    for start in range(0, len(rendered), POINTS_PER_SLIDE):
        part = rendered[start:start + POINTS_PER_SLIDE]
        suffix = f" ({start // POINTS_PER_SLIDE + 1}/{-(-len(rendered) // POINTS_PER_SLIDE)})" if len(rendered) > POINTS_PER_SLIDE else ""
        _bullets_slide(prs, f"Talking points{suffix}", part, size=20)
    if chart is not None:
        _chart_slide(prs, chart)
    sources = [f"{c.label()}" + (f" — {c.source}" if c.source else "") for c in points.citations]
    if chart is not None:
        sources.append(f"Chart: {chart.caption}")
    _bullets_slide(prs, "Sources and eras", sources, size=14)
    buffer = io.BytesIO()
    prs.save(buffer)
    return Briefing(topic, buffer.getvalue(), len(prs.slides), chart is not None)


def _title_slide(prs, topic: str, today: dt.date) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    _place(prs, slide.shapes.title, top=2.0, height=1.6)
    _place(prs, slide.placeholders[1], top=3.8, height=1.8)
    slide.shapes.title.text = f"Briefing: {topic}"
    slide.placeholders[1].text = (f"Talking points, key figures and sources from the trade assistant's documents, "
                                  f"{today:%d %B %Y}. Each point says its era; check current rules before quoting.")


def _bullets_slide(prs, title: str, lines: list[str], size: int) -> None:
    from pptx.util import Pt

    slide = prs.slides.add_slide(prs.slide_layouts[1])
    _place(prs, slide.shapes.title, top=0.3, height=1.1)
    slide.shapes.title.text = title
    body = slide.placeholders[1]
    _place(prs, body, top=1.5, height=5.7)
    frame = body.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)
        paragraph.space_after = Pt(8)


def _place(prs, shape, top: float, height: float) -> None:
    """The default template's placeholders are laid out for 4:3; stretch them to the wide slide.
    All four values are set: setting only some leaves the others at zero."""
    from pptx.util import Inches

    shape.left, shape.top = Inches(0.6), Inches(top)
    shape.width, shape.height = prs.slide_width - Inches(1.2), Inches(height)


def _chart_slide(prs, chart) -> None:
    from pptx.util import Inches

    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank: the chart carries its title and source
    width = Inches(12.3)
    left = int((prs.slide_width - width) / 2)
    slide.shapes.add_picture(io.BytesIO(chart.png), left, Inches(0.5), width=width)
