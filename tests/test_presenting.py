"""Talking points and charts as a trainer would use them: facts and figures first, across the
documents, with their era; charts that read right on a slide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.charts import chart_figure, render_chart
from bot.datafiles import parse_figures
from bot.presenting import talking_points

FIGURES = parse_figures((Path(__file__).resolve().parent.parent / "knowledge" / "figures.csv").read_text())


def rows_for(topic):
    return sorted((f for f in FIGURES if f.topic == topic), key=lambda f: (f.year, f.metric))


def test_sme_financing_points_cover_the_topic_across_documents(assistant):
    result = talking_points(assistant, "SME financing")
    text = " ".join(result.points)
    assert 3 <= len(result.points) <= 6
    assert len({c.doc_id for c in result.citations}) >= 3  # not two sections of one document
    assert "MYbank" in text and ("Pay Later" in text or "Payment Terms" in text or "e-Credit Line" in text)
    assert re.search(r"\d", result.items[0].text) and not result.items[0].unverified  # leads with a fact and a figure
    assert not re.search(r"unverified", result.items[0].text)


def test_dispute_deadlines_say_current_or_historical_and_include_enterprise(assistant):
    result = talking_points(assistant, "dispute deadlines")
    by_text = {p.text: p.era for p in result.items}
    thirty = next(era for text, era in by_text.items() if "30" in text and "dispute" in text)
    sixty = next(era for text, era in by_text.items() if "60 days" in text and "Enterprise" in text)
    assert thirty.startswith("current") and sixty.startswith("current")
    assert all(era.startswith("historical") for text, era in by_text.items() if "Before 8 December 2017" in text
               or "pre-December-2017" in text)


def test_unverified_figures_are_tagged_briefly_not_led_with(assistant):
    result = talking_points(assistant, "white paper loans to SMEs in 2016")
    flagged = [p for p in result.items if p.unverified]
    assert flagged and result.items[0] not in flagged
    assert all(p.render().endswith(f"unverified) [{p.citation}]") for p in flagged)


def test_a_free_text_topic_charts_the_whole_series_and_names_the_others():
    chart = render_chart(FIGURES, "china cross-border e-commerce")
    assert chart.topic == "china-cross-border-ecommerce"  # the 603 -> 776 series, not one growth bar
    assert any("cny" in r for r in chart.related)


def test_years_sit_on_a_true_time_axis():
    fig = chart_figure(rows_for("china-cross-border-ecommerce-cny"), "t", "CNY billion", "Source: x")
    ticks = list(fig.axes[0].get_xticks())
    assert ticks == [2008, 2016]  # eight years apart on the axis, not neighbouring bars


def test_dollar_signs_stay_text_and_fonts_are_readable_on_a_slide():
    rows = rows_for("ta-seller-fee")
    fig = chart_figure(rows, "Seller fee, 2015–2018", "%", "Source: a. Notes: wholesale orders up to US$5,000; US$5,000")
    texts = [t for t in fig.findobj(lambda o: hasattr(o, "get_text") and hasattr(o, "_preprocess_math")) if t.get_text()]
    assert any("US" in t.get_text() and "5,000" in t.get_text() for t in texts)
    assert all(not t._preprocess_math(t.get_text())[1] for t in texts)  # no math mode: "$" is drawn as "$"
    assert min(t.get_fontsize() for t in texts) >= 12


def test_approximate_forecast_and_unverified_values_are_drawn_differently_with_a_legend():
    fig = chart_figure(rows_for("card-fee"), "Card fee", "%", "Source: x")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "approximate" in legend and "unverified or weak source" in legend and "as reported" in legend


def test_axis_values_have_thousands_separators():
    fig = chart_figure(rows_for("china-cross-border-ecommerce-cny"), "t", "CNY billion", "Source: x")
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "6,000" in labels


@pytest.mark.parametrize("topic", ["football scores", "x" * 3])
def test_unknown_chart_topics_list_what_exists(topic):
    from bot.charts import NoFiguresError

    with pytest.raises(NoFiguresError, match="Topics with figures"):
        render_chart(FIGURES, topic)
