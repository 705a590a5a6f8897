"""Placeholder replaced by the notifications work in progress."""


def messages_for_event(*, event_id: int) -> int:
    return 0
