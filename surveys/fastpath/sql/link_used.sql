-- A link's use, to the minute, for staff: its last-used time.
UPDATE surveys_invitation SET last_used_at = %(now)s WHERE id = %(invitation)s
