"""The application layer: use cases the adapters call (Slack, Teams, the terminal, the scheduler), each reading
or writing in one unit of work, and the definitions every adapter must agree on."""
