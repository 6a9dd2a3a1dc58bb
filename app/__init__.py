"""Lotsenboard: a real-time Kanban board for municipal digitalization teams."""
