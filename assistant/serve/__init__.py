"""Serving the app: the shared assistant, request validation at the edge, body limits, API
sessions, uploads and the Briefs tab.
"""
