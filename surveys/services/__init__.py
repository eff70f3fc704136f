"""Writes to the question bank, questionnaires and survey rounds."""
