"""Page handlers, one module per page; ROUTERS lists them for mounting."""

from dmdesk.web.views import (
    actions,
    auth,
    contact_panel,
    conversation,
    dashboard,
    inbox,
    search,
    settings_automation,
    settings_channels,
    settings_ownership,
    settings_privacy,
    settings_replies,
    settings_triage,
    triage_panel,
)

ROUTERS = [auth.router, inbox.router, conversation.router, actions.router, search.router]
ROUTERS.append(settings_replies.router)
ROUTERS.append(settings_automation.router)
ROUTERS.append(dashboard.router)
ROUTERS.append(contact_panel.router)
ROUTERS.append(settings_ownership.router)
ROUTERS.append(settings_channels.router)
ROUTERS.append(triage_panel.router)
ROUTERS.append(settings_triage.router)
ROUTERS.append(settings_privacy.router)
