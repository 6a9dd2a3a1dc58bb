"""Measures from spreadsheets into a board."""
