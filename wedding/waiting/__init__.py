"""What's waiting for the planner: on the dashboard and in a daily e-mail."""
