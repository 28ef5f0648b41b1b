"""The Slack adapter: Bolt listeners translating Slack's requests into turns, and turns into Block Kit posts."""

PLATFORM = "slack"
