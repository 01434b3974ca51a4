from bench import booking, calendars, documents, foundation, operations, personas, presentation

foundation.run()
booking.run()
calendars.run()
personas.run()
documents.run()
presentation.run()
operations.run()
