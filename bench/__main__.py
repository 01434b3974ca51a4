from bench import (
    billing,
    booking,
    calendars,
    documents,
    foundation,
    jobs,
    operations,
    personas,
    presentation,
)

foundation.run()
booking.run()
calendars.run()
personas.run()
documents.run()
presentation.run()
billing.run()
jobs.run()
operations.run()
