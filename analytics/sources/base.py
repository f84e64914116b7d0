"""What a source module offers: the requests to make and a pure parser for each answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import pandas as pd

Parser = Callable[[bytes], pd.DataFrame]


@dataclass(frozen=True)
class Request:
    """One HTTP GET and the pure function that turns its body into observations.

    ``fallback`` is a second route to the same data, asked when this one answers an error or
    something that is not the file (a 404 page, HTML), but not when the host is unreachable."""

    label: str
    url: str
    parse: Parser
    params: Mapping[str, str] = field(default_factory=dict)
    fallback: Request | None = None


class SourceModule(Protocol):
    """Each module in ``analytics.sources`` has a NAME and builds its requests.

    ``last`` maps series ids to the last stored date (absent when the store has none), so a
    module can ask only for what is newer or backfill what is missing.
    """

    NAME: str

    def requests_for(self, last: Mapping[str, date], today: date) -> list[Request]: ...
