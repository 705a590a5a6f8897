"""Notifications: an outbox of messages to users, units and citizens, delivered with retries."""
