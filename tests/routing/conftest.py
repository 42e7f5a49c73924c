from tests.ownership.kit import svc, ws  # noqa: F401  # shared fixtures
