from bench import booking, calendars, documents, foundation, http, personas, presentation

http.run()
foundation.run()
booking.run()
calendars.run()
personas.run()
documents.run()
presentation.run()
