"""Page handlers, one module per page; ROUTERS lists them for mounting."""

from dmdesk.web.views import auth

ROUTERS = [auth.router]
