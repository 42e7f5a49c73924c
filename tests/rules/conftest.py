from tests.automation.kit import svc, ws  # noqa: F401  # shared fixtures
