"""The release before migrations, for the upgrade tests."""
