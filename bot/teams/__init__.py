"""The Microsoft Teams adapter: botbuilder's CloudAdapter, an activity handler, Adaptive Cards."""

PLATFORM = "teams"
