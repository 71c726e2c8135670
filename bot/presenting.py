"""Material for HR and training staff: talking points (bot/talking_points.py), charts of the
key figures (bot/charts.py) and briefing decks (bot/briefing.py). One import point for the
front ends; each piece lives in its own module."""

from bot.charts import Chart, NoFiguresError, chart_topics, load_figures, render_chart
from bot.talking_points import MAX_TOPIC_CHARS, TalkingPoints, talking_points, talking_points_text, topic_problem

__all__ = [
    "Chart", "NoFiguresError", "chart_topics", "load_figures", "render_chart",
    "MAX_TOPIC_CHARS", "TalkingPoints", "talking_points", "talking_points_text", "topic_problem",
]
