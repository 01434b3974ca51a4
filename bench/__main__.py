from bench import booking, calendars, foundation

foundation.run()
booking.run()
calendars.run()
