"""The case: its workflow table, the actions that change it, its hash-chained events and timers."""
