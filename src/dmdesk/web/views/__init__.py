"""Page handlers, one module per page; ROUTERS lists them for mounting."""

from dmdesk.web.views import actions, auth, conversation, inbox, search

ROUTERS = [auth.router, inbox.router, conversation.router, actions.router, search.router]
