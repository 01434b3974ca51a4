"""Money: plans and quotes, the signed agreement, qualified invoices, receipts, credit notes,
bank-transfer and card payments, reminders and reports."""
