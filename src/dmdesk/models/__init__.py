"""SQLAlchemy tables, one module per aggregate; importing this registers them all."""

from dmdesk.models.base import Base
from dmdesk.models.channel import Channel
from dmdesk.models.contact import Contact
from dmdesk.models.conversation import Conversation, ConversationTag
from dmdesk.models.event import Event
from dmdesk.models.inbound import InboundQueueItem, WebhookDelivery
from dmdesk.models.message import Message, Note
from dmdesk.models.metrics import MetricCell as MetricCell  # and the other rollups
from dmdesk.models.outbox import OutboxItem
from dmdesk.models.ownership import TeamSettings as TeamSettings  # and the others
from dmdesk.models.people import Person as Person  # and the other people tables
from dmdesk.models.replies import SavedReply as SavedReply  # and the other replies tables
from dmdesk.models.team import Team, TeamMember
from dmdesk.models.templates import ChannelTemplate as ChannelTemplate  # WhatsApp templates
from dmdesk.models.triage_models import TriageModel as TriageModel  # trained in the desk
from dmdesk.models.triage_models import TriageTraining as TriageTraining
from dmdesk.models.user import ApiToken, User, WebSession
from dmdesk.models.workspace import Workspace

__all__ = [
    "ApiToken",
    "Base",
    "Channel",
    "Contact",
    "Conversation",
    "ConversationTag",
    "Event",
    "InboundQueueItem",
    "Message",
    "Note",
    "OutboxItem",
    "Team",
    "TeamMember",
    "User",
    "WebSession",
    "WebhookDelivery",
    "Workspace",
]
