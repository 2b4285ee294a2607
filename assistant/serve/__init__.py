"""Serving the app: the shared assistant, its event handlers and theme, request validation at
the edge, body limits, API sessions, uploads and the Briefs tab.
"""
