"""The metric vocabulary: stored metric codes, report names, dimension slices, filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import combinations

# Dimension values in rollup keys: ALL is the "any value" slice, NONE "not set".
ALL_ID = 0
NONE_ID = -1
ALL_CATEGORY = "*"
NONE_CATEGORY = ""
DIMENSIONS = ("channel", "team", "agent", "category")

# Duration metrics (values in milliseconds), each also stored with BUSINESS_SUFFIX.
FIRST_RESPONSE = "first_response_time"
NEXT_REPLY = "next_reply_time"
RESOLUTION = "time_to_resolution"
DURATIONS = (FIRST_RESPONSE, NEXT_REPLY, RESOLUTION)
BUSINESS_SUFFIX = "@business"

# Counted metrics (value 1 each, or an amount in `total`).
INBOUND = "inbound_messages"
STARTED = "conversations_started"
COMPLETED = "conversations_completed"
QUALIFIED = "leads_qualified"
CONVERTED = "conversations_converted"
CONVERSION_VALUE = "conversion_value_cents"
ESCALATED = "conversations_escalated"
SLA_TRACKED = "sla_tracked"
SLA_ATTAINED = "sla_attained"
HUMAN_REPLIES = "human_replies"
CSAT = "csat"  # values are the 1-5 scores

HISTOGRAM_METRICS = frozenset([*DURATIONS, *(m + BUSINESS_SUFFIX for m in DURATIONS), CSAT])
HOURLY_METRICS = frozenset([INBOUND, STARTED])
# Every metric is also kept per month (day = the 1st): a year-long report then sums 12
# month cells and merges 12 month histograms instead of 365 day ones.
MONTH_SUFFIX = "/month"
SIGNIFICANT_DIGITS = 4


def quantize(ms: int) -> int:
    """A duration kept to 4 significant digits (at most 0.05% off), so histograms of many
    conversations stay small: 1 h 23 min 45.678 s is kept as 1 h 23 min 46 s."""
    digits = len(str(abs(ms)))
    return ms if digits <= SIGNIFICANT_DIGITS else round(ms, SIGNIFICANT_DIGITS - digits)


class HoursMode(StrEnum):
    CALENDAR = "calendar"
    BUSINESS = "business"


@dataclass(frozen=True)
class Dims:
    """The dimensions one contribution is filed under."""

    channel_id: int
    team_id: int = NONE_ID
    agent_id: int = NONE_ID
    category: str = NONE_CATEGORY

    def masked(self, keep: frozenset[str]) -> Dims:
        """This slice with every dimension not in `keep` widened to "all"."""
        return Dims(
            self.channel_id if "channel" in keep else ALL_ID,
            self.team_id if "team" in keep else ALL_ID,
            self.agent_id if "agent" in keep else ALL_ID,
            self.category if "category" in keep else ALL_CATEGORY,
        )


def _subsets(max_size: int) -> tuple[frozenset[str], ...]:
    return tuple(
        frozenset(combo) for size in range(max_size + 1) for combo in combinations(DIMENSIONS, size)
    )


# Every filter combination is one slice, so a report never scans more than its days.
CELL_SLICES = _subsets(len(DIMENSIONS))
# Hourly counts would be one row per message with every combination; one filter at most.
HOURLY_SLICES = _subsets(1)


@dataclass(frozen=True)
class ReportFilter:
    """A report's period (local days, both inclusive) and its dimension filters."""

    start: date
    end: date
    hours: HoursMode = HoursMode.CALENDAR
    channel_id: int | None = None
    team_id: int | None = None
    agent_id: int | None = None
    category: str | None = None

    def slice(self) -> Dims:
        """The rollup slice answering this filter."""
        return Dims(
            ALL_ID if self.channel_id is None else self.channel_id,
            ALL_ID if self.team_id is None else self.team_id,
            ALL_ID if self.agent_id is None else self.agent_id,
            ALL_CATEGORY if self.category is None else self.category,
        )

    @property
    def filter_count(self) -> int:
        values = (self.channel_id, self.team_id, self.agent_id, self.category)
        return sum(v is not None for v in values)

    def previous(self) -> ReportFilter:
        """The period of the same length just before this one."""
        length = self.end - self.start
        end = self.start.fromordinal(self.start.toordinal() - 1)
        return ReportFilter(
            start=end - length,
            end=end,
            hours=self.hours,
            channel_id=self.channel_id,
            team_id=self.team_id,
            agent_id=self.agent_id,
            category=self.category,
        )


def stored(metric: str, hours: HoursMode) -> str:
    """The stored code of a duration metric in the given hours mode."""
    return metric + BUSINESS_SUFFIX if hours is HoursMode.BUSINESS else metric
