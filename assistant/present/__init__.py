"""Presenting answers: records to escaped Markdown for the app."""
