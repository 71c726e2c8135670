"""Material for HR and training staff: sourced talking points and charts of the key figures.

Both come from the knowledge base only: talking points quote its standalone sentences (with a
figure where one exists), charts draw the validated figures table (knowledge/figures.csv).
"""

from __future__ import annotations

import io
import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np

from bot.answering import Citation, citation_for
from bot.datafiles import FIGURES_FILE, Figure, parse_figures
from bot.retrieval import tokenize

MIN_POINTS, MAX_POINTS = 3, 6
_HAS_FIGURE = re.compile(r"\d")


@dataclass
class TalkingPoints:
    topic: str
    points: list[str]  # each ends with its citation marker, e.g. "... in 2016. [2]"
    citations: list[Citation]

    @property
    def found(self) -> bool:
        return bool(self.points)


def talking_points(assistant, topic: str) -> TalkingPoints:
    """3 to 6 standalone, sourced bullets on `topic`, preferring sentences with a figure."""
    from bot.service import clean_question

    query = clean_question(topic)[: assistant.settings.max_question_chars]
    if not re.search(r"[^\W_]", query):
        return TalkingPoints(topic, [], [])
    vector = assistant.embedder.embed_queries([query])[0]
    retrieval = assistant.retriever.search(query, vector, k=8)
    if not retrieval.grounded:
        return TalkingPoints(topic, [], [])
    ranked = retrieval.ranked[:6]
    ids = [sid for rc in ranked for sid in rc.chunk.sentence_ids]
    vectors = retrieval.snapshot.sentence_vectors(ids)
    candidates = []
    for rank, rc in enumerate(ranked):
        for sid, sentence in zip(rc.chunk.sentence_ids, rc.chunk.sentences):
            if sid in vectors:
                score = float(vectors[sid] @ vector) + (0.08 if _HAS_FIGURE.search(sentence) else 0.0) - 0.01 * rank
                candidates.append((score, rank, sentence, vectors[sid]))
    candidates.sort(key=lambda c: c[0], reverse=True)
    chosen: list[tuple] = []
    for cand in candidates:
        if len(chosen) == MAX_POINTS:
            break
        close_enough = cand[0] >= candidates[0][0] - 0.25 or len(chosen) < MIN_POINTS
        if close_enough and all(float(cand[3] @ c[3]) < 0.85 for c in chosen) and len(cand[2]) <= 400:
            chosen.append(cand)
    citations: dict[int, Citation] = {}
    points = []
    for _, rank, sentence, _ in chosen:
        if rank not in citations:
            citations[rank] = citation_for(len(citations) + 1, ranked[rank])
        points.append(f"{sentence} [{citations[rank].number}]")
    return TalkingPoints(topic, points, list(citations.values()))


class NoFiguresError(LookupError):
    """The figures table has nothing to chart for a topic; the message lists what it has."""


@dataclass
class Chart:
    topic: str
    title: str
    png: bytes
    caption: str


def load_figures(assistant) -> list[Figure]:
    text = assistant.data_file(FIGURES_FILE)
    return parse_figures(text) if text else []


def chart_topics(figures: list[Figure]) -> list[str]:
    return sorted({f.topic for f in figures})


def find_topic(figures: list[Figure], query: str) -> str | None:
    """The figures topic whose name and metrics share the most words with `query`."""
    wanted = set(tokenize([query.replace("-", " ")])[0])
    if not wanted:
        return None
    words: dict[str, set[str]] = defaultdict(set)
    for f in figures:
        words[f.topic] |= set(tokenize([f"{f.topic.replace('-', ' ')} {f.metric}"])[0])
    best, best_score = None, 0.0
    for topic, terms in words.items():
        score = len(wanted & terms) / len(wanted) + 0.01 * len(wanted & terms) / max(len(terms), 1)
        if score > best_score:
            best, best_score = topic, score
    return best if best_score >= 0.5 else None


def render_chart(figures: list[Figure], query: str) -> Chart:
    topic = find_topic(figures, query)
    if topic is None:
        raise NoFiguresError(
            f"The figures table has no figures for '{query}'. Topics with figures: {', '.join(chart_topics(figures))}."
        )
    rows = sorted((f for f in figures if f.topic == topic), key=lambda f: (f.year, f.metric))
    unit = max({f.unit for f in rows}, key=lambda u: sum(f.unit == u for f in rows))
    rows = [f for f in rows if f.unit == unit]
    title = _title(topic, rows)
    sources = ", ".join(dict.fromkeys(urlsplit(f.source).netloc.removeprefix("www.") or f.source for f in rows))
    notes = "; ".join(dict.fromkeys(f"{f.year}: {f.note}" for f in rows if f.note))
    caption = f"{title} ({unit}). Source: {sources}." + (f" Notes: {notes}." if notes else "")
    png = _draw(rows, title, unit, footer=f"Source: {sources}" + (f". Notes: {notes}" if notes else ""))
    return Chart(topic, title, png, caption)


def _title(topic: str, rows: list[Figure]) -> str:
    metrics = list(dict.fromkeys(f.metric for f in rows))
    years = sorted({f.year for f in rows})
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
    name = metrics[0] if len(metrics) == 1 else topic.replace("-", " ").capitalize()
    return f"{name}, {span}"


def _draw(rows: list[Figure], title: str, unit: str, footer: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure

    metrics = list(dict.fromkeys(f.metric for f in rows))
    years = sorted({f.year for f in rows})
    fig = MplFigure(figsize=(8, 4.8), dpi=110)
    ax = fig.subplots()
    if len(metrics) > 1 and len(years) == 1:
        # One year, several metrics: one bar per metric.
        labels = ["\n".join(textwrap.wrap(m, 22)) for m in metrics]
        values = [next(f.value for f in rows if f.metric == m) for m in metrics]
        bars = ax.bar(labels, values, color="#2f6f9f")
        ax.bar_label(bars, labels=[_fmt(v) for v in values], padding=3)
    else:
        width = 0.8 / len(metrics)
        x = np.arange(len(years))
        for i, metric in enumerate(metrics):
            by_year = {f.year: f.value for f in rows if f.metric == metric}
            values = [by_year.get(y, np.nan) for y in years]
            bars = ax.bar(x + (i - (len(metrics) - 1) / 2) * width, values, width, label=textwrap.shorten(metric, 60))
            ax.bar_label(bars, labels=[_fmt(v) if not np.isnan(v) else "" for v in values], padding=3, fontsize=8)
        ax.set_xticks(x, [str(y) for y in years])
        if len(metrics) > 1:
            ax.legend(fontsize=8)
    ax.set_title(title, fontsize=12)
    ax.set_ylabel(unit)
    ax.margins(y=0.15)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    # The source travels with the image, so a slide made from it stays cited.
    fig.text(0.01, 0.01, "\n".join(textwrap.wrap(footer, 130)), fontsize=7, color="#555555", va="bottom")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")
