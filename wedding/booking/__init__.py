"""Venue availability, the almanac's calendar, holds, confirmations and the waitlist."""
