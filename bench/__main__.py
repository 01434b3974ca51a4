from bench import booking, calendars, documents, foundation, personas

foundation.run()
booking.run()
calendars.run()
personas.run()
documents.run()
