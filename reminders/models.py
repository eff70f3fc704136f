"""Invitation and reminder schedules, dispatch log and chase log grow here."""
