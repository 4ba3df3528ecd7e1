"""The bolt App's name, one for both modes (single workspace and OAuth)."""

APP_NAME = "autosre-slack"
"""bolt configures the logger of this name from its own on every request (level, filters): it
must not be Powertools' logger (named after POWERTOOLS_SERVICE_NAME, `autosre`), whose level
bolt would otherwise reset at the first Slack request."""
