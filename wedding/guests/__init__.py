"""Guests and their replies: a small list, an invitation link each, RSVP in person/online/no."""
