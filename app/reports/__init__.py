"""Auswertungen: flow figures computed from the event log."""
