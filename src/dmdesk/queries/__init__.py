"""The read side: inbox lists, threads, search, counts -> typed results."""
