"""Backup and restore of a whole instance."""
