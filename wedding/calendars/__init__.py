"""Sharing the schedule: .ics files, subscription feeds, Google and Outlook links."""
