"""Cloud Functions entry point, copied to the root of the deploy bundle (infra/gcp/package.py).

functions-framework puts only this file's folder on `sys.path`, so it must sit beside the
`handlers`, `bots` and `shared` packages. A function configured to serve from its own /tmp
refuses to start (handlers.gcp_http.configured says why and what to set)."""

from handlers.gcp_http import configured, slack_events, teams_messages

configured()

__all__ = ["slack_events", "teams_messages"]
