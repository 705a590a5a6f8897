"""Reads of the outbox: a staff user's in-app inbox (their own messages and their unit's)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from finegrid.notifications.models import Channel, DeliveryStatus, Message
from finegrid.org.models import User


def inbox(user: User, *, unread_only: bool = False) -> QuerySet[Message]:
    """In-app messages to this user or to their unit, newest first; nothing for inactive users."""
    if not user.is_active:
        return Message.objects.none()
    addressed = Q(user=user)
    if user.unit_id is not None:
        addressed |= Q(unit_id=user.unit_id)
    messages = Message.objects.filter(
        addressed, channel=Channel.IN_APP, status=DeliveryStatus.SENT
    ).select_related("case")
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return inbox(user, unread_only=True).count()
