from bench import booking, foundation

foundation.run()
booking.run()
