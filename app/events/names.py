"""Event type names, shared by the log, the push, HX-Trigger and the digest."""

BOARD_CREATED = "board.created"
BOARD_UPDATED = "board.updated"
BOARD_ARCHIVED = "board.archived"
BOARD_RESTORED = "board.restored"

PHASE_CREATED = "phase.created"
PHASE_UPDATED = "phase.updated"
PHASES_REORDERED = "phase.reordered"
PHASE_REMOVED = "phase.removed"

CARD_CREATED = "card.created"
CARD_UPDATED = "card.updated"
CARD_MOVED = "card.moved"
CARD_ARCHIVED = "card.archived"
CARD_RESTORED = "card.restored"

ANNOTATION_RAISED = "annotation.raised"
ANNOTATION_UPDATED = "annotation.updated"
ANNOTATION_NOTED = "annotation.noted"
ANNOTATION_DISCUSSING = "annotation.discussing"
ANNOTATION_RESOLVED = "annotation.resolved"
ANNOTATION_WITHDRAWN = "annotation.withdrawn"
ANNOTATION_REOPENED = "annotation.reopened"
ANNOTATION_PREFIX = "annotation."

ANNOTATION_CATEGORY_CREATED = "annotation_category.created"
ANNOTATION_CATEGORY_UPDATED = "annotation_category.updated"

MEETING_SERIES_SET = "meeting.series_set"
MEETING_CHANGED = "meeting.changed"
MEETING_CANCELLED = "meeting.cancelled"
MEETING_RESTORED = "meeting.restored"
MEETING_ADDED = "meeting.added"
MEETING_ITEM_ADDED = "meeting.item_added"
MEETING_ITEM_REMOVED = "meeting.item_removed"
MEETING_FEED_CREATED = "meeting.feed_created"
MEETING_FEED_REVOKED = "meeting.feed_revoked"
MEETING_PREFIX = "meeting."

DEPARTMENT_CREATED = "department.created"
DEPARTMENT_UPDATED = "department.updated"
DEPARTMENT_DELETED = "department.deleted"

LOTSE_CREATED = "lotse.created"
LOTSE_UPDATED = "lotse.updated"
LOTSE_DELETED = "lotse.deleted"

# Instance-wide changes that alter what every board shows on its cards.
SHOWN_ON_BOARDS = frozenset({DEPARTMENT_UPDATED, LOTSE_UPDATED})
