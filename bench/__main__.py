from bench import booking, calendars, foundation, personas

foundation.run()
booking.run()
calendars.run()
personas.run()
