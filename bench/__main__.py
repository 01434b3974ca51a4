from bench import (
    billing,
    booking,
    calendars,
    documents,
    foundation,
    http,
    jobs,
    operations,
    personas,
    presentation,
)

http.run()
foundation.run()
booking.run()
calendars.run()
personas.run()
documents.run()
presentation.run()
billing.run()
jobs.run()
operations.run()
