"""A platform simulator: plays the platforms' send APIs (server.py) and their people (people.py).

See each module's docstring for how to call it.
"""
