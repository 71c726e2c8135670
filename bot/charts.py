"""Charts of the key figures (knowledge/figures.csv), made to be put on a slide.

A free-text topic picks the whole series that fits it best (and names the closest others).
Years sit on a true time axis, so 2008 and 2016 are eight years apart, not neighbours.
Approximate, forecast and unverified values are drawn differently and explained in a legend,
and the source is printed under the chart, so a slide made from it stays cited.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.datafiles import FIGURES_FILE, Figure, parse_figures
from bot.retrieval import tokenize

# How a value is known, from its note in figures.csv; the first that matches wins.
STATUSES = (
    ("unverified", re.compile(r"unverified|weak source|third-party|estimate", re.I)),
    ("forecast", re.compile(r"forecast|projected|target", re.I)),
    ("approximate", re.compile(r"\b(about|approximate\w*|around|nearly|roughly|more than|up to|under|just over|"
                               r"range|year not stated)\b", re.I)),
)
STYLE = {  # marker, fill, label in the legend
    "confirmed": ("o", True, "as reported"),
    "approximate": ("o", False, "approximate"),
    "forecast": ("s", False, "forecast"),
    "unverified": ("X", True, "unverified or weak source"),
}
COLOURS = ("#1f5f8b", "#d9822b", "#3a8f4f", "#8e44ad", "#c0392b")
SLIDE_SIZE = (12, 6.75)  # inches, 16:9 like a slide; at 100 dpi 1200 x 675 pixels


class NoFiguresError(LookupError):
    """The figures table has nothing to chart for a topic; the message lists what it has."""


@dataclass
class Chart:
    topic: str
    title: str
    png: bytes
    caption: str
    related: list[str]  # other series close to the request


def load_figures(assistant) -> list[Figure]:
    text = assistant.data_file(FIGURES_FILE)
    return parse_figures(text) if text else []


def chart_topics(figures: list[Figure]) -> list[str]:
    return sorted({f.topic for f in figures})


def status(figure: Figure) -> str:
    return next((name for name, pattern in STATUSES if pattern.search(figure.note)), "confirmed")


def _terms(text: str) -> set[str]:
    text = re.sub(r"(?i)\be-?commerce\b", "ecommerce", text.replace("-", " ").replace("e commerce", "ecommerce"))
    return set(tokenize([text])[0])


def rank_topics(figures: list[Figure], query: str) -> list[tuple[float, str]]:
    """Topics by fit: most of the request's words, few words of its own, and a longer series."""
    wanted = _terms(query)
    if not wanted:
        return []
    words: dict[str, set[str]] = defaultdict(set)
    years: dict[str, set[int]] = defaultdict(set)
    for f in figures:
        words[f.topic] |= _terms(f"{f.topic} {f.metric}")
        years[f.topic].add(f.year)
    ranked = []
    for topic, terms in words.items():
        name = _terms(topic)
        coverage = len(wanted & terms) / len(wanted)
        if coverage < 0.5:
            continue
        precision = len(wanted & name) / max(len(name), 1)
        ranked.append((coverage + 0.3 * precision + 0.02 * min(len(years[topic]), 5), topic))
    return sorted(ranked, reverse=True)


def _describe(figures: list[Figure], topic: str) -> str:
    rows = [f for f in figures if f.topic == topic]
    years = sorted({f.year for f in rows})
    span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
    return f"{topic} ({span}, {rows[0].unit})"


def render_chart(figures: list[Figure], query: str) -> Chart:
    ranked = rank_topics(figures, query)
    if not ranked:
        raise NoFiguresError(
            f"The figures table has no figures for '{textwrap.shorten(query, 60)}'. "
            f"Topics with figures: {', '.join(chart_topics(figures))}.")
    topic = ranked[0][1]
    related = [_describe(figures, t) for score, t in ranked[1:4] if score >= ranked[0][0] * 0.75]
    rows = sorted((f for f in figures if f.topic == topic), key=lambda f: (f.year, f.metric))
    unit = max({f.unit for f in rows}, key=lambda u: sum(f.unit == u for f in rows))
    rows = [f for f in rows if f.unit == unit]
    title = _title(topic, rows)
    sources = ", ".join(dict.fromkeys(urlsplit(f.source).netloc.removeprefix("www.") or f.source for f in rows))
    notes = "; ".join(dict.fromkeys(f"{f.year}: {f.note}" for f in rows if f.note))
    caption = f"{title} ({unit}). Source: {sources}." + (f" Notes: {notes}." if notes else "")
    if related:
        caption += f" Related series: {', '.join(related)}."
    png = draw_chart(rows, title, unit, footer=f"Source: {sources}." + (f" Notes: {notes}." if notes else ""))
    return Chart(topic, title, png, caption, related)


_ACRONYMS = {"ta": "Trade Assurance", "mybank": "MYbank", "dftz": "DFTZ", "npl": "NPL", "ewtp": "eWTP", "b2b": "B2B",
             "b2c": "B2C", "cny": "CNY", "rmb": "RMB", "mofcom": "MOFCOM", "h1": "H1"}


def _title(topic: str, rows: list[Figure]) -> str:
    metrics = list(dict.fromkeys(f.metric for f in rows))
    years = sorted({f.year for f in rows})
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
    if len(metrics) == 1:
        name = metrics[0]
    else:
        common = []
        for words in zip(*(m.replace(",", "").split() for m in metrics)):
            if len(set(words)) > 1:
                break
            common.append(words[0])
        name = " ".join(common) if len(common) >= 2 else " ".join(_ACRONYMS.get(w, w) for w in topic.split("-"))
    name = name[:1].upper() + name[1:]
    return f"{name}, {span}"


def plain(text: str) -> str:
    """Text matplotlib draws as written: a pair of "$" would otherwise start math mode."""
    return text.replace("$", r"\$")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")


def draw_chart(rows: list[Figure], title: str, unit: str, footer: str) -> bytes:
    buffer = io.BytesIO()
    chart_figure(rows, title, unit, footer).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(rows: list[Figure], title: str, unit: str, footer: str):
    """The matplotlib figure of a chart (tests look inside it)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    metrics = list(dict.fromkeys(f.metric for f in rows))
    years = sorted({f.year for f in rows})
    fig = MplFigure(figsize=SLIDE_SIZE, dpi=100)
    ax = fig.subplots()
    if len(years) == 1:
        # One year, several metrics: one horizontal bar per metric, labels readable at any length.
        labels = ["\n".join(textwrap.wrap(plain(m), 34)) for m in metrics][::-1]
        chosen = [next(f for f in rows if f.metric == m) for m in metrics][::-1]
        for i, f in enumerate(chosen):
            kind = status(f)
            ax.barh(i, f.value, color=COLOURS[0] if kind == "confirmed" else "white", edgecolor=COLOURS[0], linewidth=2,
                    hatch={"approximate": "//", "forecast": "..", "unverified": "xx"}.get(kind))
            ax.text(f.value, i, "  " + _fmt(f.value), va="center", fontsize=15)
        ax.set_yticks(range(len(labels)), labels, fontsize=14)
        ax.set_xlabel(plain(unit), fontsize=15)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _fmt(v)))
        ax.set_xlim(0, max(f.value for f in rows) * 1.2 or 1)
        ax.set_title(plain(f"{title} ({years[0]})" if str(years[0]) not in title else title), fontsize=20, pad=14)
        kinds = {status(f) for f in rows}
        handles = [Patch(facecolor=COLOURS[0] if k == "confirmed" else "white", edgecolor=COLOURS[0],
                                            hatch={"approximate": "//", "forecast": "..", "unverified": "xx"}.get(k),
                                            label=STYLE[k][2]) for k in STYLE if k in kinds]
    else:
        for i, metric in enumerate(metrics):
            colour = COLOURS[i % len(COLOURS)]
            points = [f for f in rows if f.metric == metric]
            ax.plot([f.year for f in points], [f.value for f in points], color=colour, linewidth=2.5,
                    label="\n".join(textwrap.wrap(plain(metric), 40)), zorder=2)
            for f in points:
                marker, filled, _ = STYLE[status(f)]
                ax.plot(f.year, f.value, marker=marker, markersize=13, color=colour, markeredgewidth=2.5,
                        markerfacecolor=colour if filled else "white", linestyle="none", zorder=3)
                ax.annotate(_fmt(f.value), (f.year, f.value), textcoords="offset points", xytext=(0, 14),
                            ha="center", fontsize=15)
        span = years[-1] - years[0]
        ax.set_xlim(years[0] - max(1, span * 0.08), years[-1] + max(1, span * 0.08))
        ax.set_xticks(years, [str(y) for y in years], fontsize=14)
        ax.set_ylim(0, max(f.value for f in rows) * 1.25 or 1)
        ax.set_ylabel(plain(unit), fontsize=15)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _fmt(v)))
        ax.set_title(plain(title), fontsize=20, pad=14)
        kinds = {status(f) for f in rows}
        handles = [Line2D([], [], marker=STYLE[k][0], markersize=12, color="#444444", markeredgewidth=2,
                          markerfacecolor="#444444" if STYLE[k][1] else "white", linestyle="none", label=STYLE[k][2])
                   for k in STYLE if k in kinds]
        if len(metrics) > 1:
            handles = ax.get_legend_handles_labels()[0] + handles
    ax.tick_params(labelsize=14)
    ax.grid(axis="y" if len(years) > 1 else "x", color="#dddddd", zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if handles and (len(handles) > 1 or len(metrics) > 1 or handles[0].get_label() != "as reported"):
        # Beside the plot, never over a bar or a point.
        ax.legend(handles=handles, fontsize=13, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    # The source travels with the image, so a slide made from it stays cited.
    wrapped = textwrap.wrap(plain(footer), 125)[:4]
    fig.text(0.01, 0.01, "\n".join(wrapped), fontsize=12, color="#333333", va="bottom")
    fig.tight_layout(rect=(0, 0.035 * len(wrapped) + 0.01, 1, 1))
    return fig
