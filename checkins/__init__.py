"""Scheduled check-ins: when a team hears from the bot, and what it hears."""
