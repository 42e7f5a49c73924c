"""The write side: `do_<verb>_<noun>(session, ...)`; each runs inside a `Database.write`."""
