"""The year-end merge: many checked forms → the department summary workbook and report text."""
