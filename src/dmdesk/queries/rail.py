"""The inbox rail's facets (teams, channels, tags in use) in one query."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, cast, literal, select, union_all
from sqlalchemy.orm import Session

from dmdesk.models import Channel, ConversationTag, Team

TAGS_SHOWN = 40


@dataclass(frozen=True)
class Facet:
    id: int | None
    name: str
    platform: str | None = None


@dataclass(frozen=True)
class RailFacets:
    teams: list[Facet] = field(default_factory=list)
    channels: list[Facet] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def team_names(self) -> dict[int, str]:
        return {t.id: t.name for t in self.teams if t.id is not None}


def rail_facets(session: Session, *, workspace_id: int) -> RailFacets:
    no_id = cast(None, Team.id.type)
    no_text = cast(None, String)
    teams = select(
        literal("team").label("kind"),
        Team.id.label("id"),
        Team.name.label("name"),
        no_text.label("platform"),
    ).where(Team.workspace_id == workspace_id)
    channels = select(
        literal("channel").label("kind"),
        Channel.id.label("id"),
        Channel.name.label("name"),
        Channel.platform.label("platform"),
    ).where(Channel.workspace_id == workspace_id, Channel.is_active.is_(True))
    tags = (
        select(
            literal("tag").label("kind"),
            no_id.label("id"),
            ConversationTag.tag.label("name"),
            no_text.label("platform"),
        )
        .where(ConversationTag.workspace_id == workspace_id)
        .group_by(ConversationTag.tag)
        .order_by(ConversationTag.tag)
        .limit(TAGS_SHOWN)
        .subquery()
    )
    query = union_all(teams, channels, select(tags.c.kind, tags.c.id, tags.c.name, tags.c.platform))
    out = RailFacets()
    for kind, ident, name, platform in session.execute(query):
        if kind == "team":
            out.teams.append(Facet(ident, name))
        elif kind == "channel":
            out.channels.append(Facet(ident, name, platform))
        else:
            out.tags.append(name)
    out.teams.sort(key=lambda f: f.name.lower())
    out.channels.sort(key=lambda f: f.name.lower())
    return out
