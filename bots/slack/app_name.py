"""The bolt App's name, one for both modes (single workspace and OAuth)."""

APP_NAME = "autosre.slack.bolt.app"
"""bolt configures the logger of this name from its own on every request (level, filters): it
must not be Powertools' logger (named after POWERTOOLS_SERVICE_NAME, `autosre`, or a function's
name such as `autosre-slack`), whose level bolt would otherwise reset at the first Slack request.
A dotted name under our own bolt logger is no service name a deployer would choose."""
